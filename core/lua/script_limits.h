/* script_limits.h: what scenario code may spend. Every protected call into
 * scenario code (the scenario chunk, each evaluation of a probability
 * function) gets
 *   - a work budget: Lua instructions, counted by a count hook, plus the work
 *     of library functions that loop in C (string.rep, table.move/insert/
 *     remove) and one unit per 32 bytes allocated;
 *   - a time limit, a backstop for work the budget cannot see (a loop over
 *     expensive library calls);
 *   - the load's cancellation token (Ctrl-C in the CLI);
 * the whole Lua state has a memory cap, enforced while scenario code runs
 * (tabulated tables count against it too, cjm_limits_reserve), and the
 * whole load a total budget of CJM_TOTAL_CALLS calls' worth (every
 * call costs its work plus a fixed CALL_COST), so that a cheap function
 * evaluated at every cell of a long horizon cannot run for half an hour.
 *
 * A breach cannot be caught by the scenario: once a limit is exceeded, every
 * later instruction raises again until the outermost protected call returns,
 * and cjm_limits_leave() reports the breach, not whatever error the scenario
 * turned it into. */
#ifndef CJM_SCRIPT_LIMITS_H
#define CJM_SCRIPT_LIMITS_H

#include "script.h"

#include <lua.h>
#include <stddef.h>
#include <stdint.h>

#define CJM_LUA_MEMORY_DEFAULT ((size_t)256 << 20) /* bytes */
#define CJM_INSTRUCTIONS_DEFAULT 100000000ULL      /* per protected call */
#define CJM_SECONDS_DEFAULT 60.0                   /* per protected call */
#define CJM_TOTAL_CALLS 100 /* the budget of a whole load: 100 calls' worth */

/* Creates a sandboxed state with the limits of opts (NULL, or a zero
 * field: the default), runs the scenario in it (the file at path, or
 * opts->text named path) and leaves the scenario table it returned, ready
 * for cjm_script_compile(); opts->cancel (or NULL) stops it. */
cjm_status cjm_script_open_limited(const char *path, const cjm_load_options *opts, cjm_script **out,
                                   cjm_error *err);

/* A new Lua state with the limits of opts (memory, instructions, seconds,
 * cancellation; NULL or 0: the defaults). `file` is the scenario's path (or
 * name): a breach is reported at the innermost line of that file on the Lua
 * stack. NULL if out of memory. Close with cjm_limits_close(). */
lua_State *cjm_limits_newstate(const cjm_load_options *opts, const char *file);
void cjm_limits_close(lua_State *L);

/* Brackets a protected call into scenario code: enter arms the budget and the
 * clock, leave disarms them and returns CJM_OK, or the breach (one line:
 * "file:line: instruction limit of N exceeded (an endless loop?)", CJM_ESCENARIO;
 * "interrupted", CJM_EINTERRUPT). */
void cjm_limits_enter(lua_State *L);
cjm_status cjm_limits_leave(lua_State *L, cjm_error *err);

/* "file:line:" of the innermost line of the scenario file on the Lua stack
 * into buf; returns 0 (and another place, or "file:") if there is none. */
int cjm_limits_where(lua_State *L, char *buf, size_t n);

/* Nonzero once a limit is breached in the current protected call. */
int cjm_limits_breached(lua_State *L);

/* Adds units to the work budget of the current call; raises the breach if it
 * is exceeded. For C functions that loop without running Lua code. */
void cjm_limits_charge(lua_State *L, uint64_t units);

/* Counts bytes of a tabulated table (the model's, outside Lua) against the
 * state's memory cap, with the Lua memory: 0, or -1 with the reason in why
 * ("400 MiB, which with the other tables ... is over the memory limit of
 * 256 MiB (--lua-memory raises it)"). */
int cjm_limits_reserve(lua_State *L, size_t bytes, char *why, size_t n);

/* Replaces string.rep, table.move, table.insert and table.remove by versions
 * that charge their work (and never loop on an empty string). */
void cjm_limits_open_guards(lua_State *L);

/* The budget and time limit of states whose load options leave them 0, for
 * the fuzzers, which run the whole cjm program in process; 0 restores the
 * defaults. Process-wide and not thread-safe: call before loading. Not part
 * of the public API (load options set the limits of one load). */
void cjm_limits_set_defaults(uint64_t instructions, double seconds);

#endif
