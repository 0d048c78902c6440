/* graph.c: the journey map, without running anything: stages and
 * transitions as Graphviz DOT (`cjm check FILE --format dot`) or as a
 * Mermaid flowchart for documents (`--format mermaid`). Each arrow carries
 * its written probability per step (by segment where they differ), and the
 * barriers standing on it; converting stages are drawn double, final ones
 * grey. Stage, segment and barrier names hold no quotes, dots or spaces
 * (the loader refuses them), so they need no escaping. */
#include "report.h"

#include <stdlib.h>
#include <string.h>

/* The arrow's label: its probability (by segment where they differ) and the
 * barriers on it, "sep"-separated; malloc'd. */
static char *edge_label(const cjm_model *m, int e, const char *sep)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return NULL;
    if (cjm_edge_is_shared(m, &m->edges[e]))
        cjm_describe_prob(m, e, 0, f);
    else
        for (int g = 0; g < m->segment_count; g++) {
            fprintf(f, "%s%s ", g ? sep : "", m->segment_names[g]);
            cjm_describe_prob(m, e, g, f);
        }
    for (int b = 0; b < m->barrier_count; b++)
        for (int k = 0; k < m->barriers[b].edge_count; k++)
            if (m->barriers[b].edges[k] == e)
                fprintf(f, "%sbarrier %s x%g%s", sep, m->barriers[b].name, m->barriers[b].effect,
                        m->barriers[b].fixed ? " (fixed)" : "");
    fclose(f);
    return buf;
}

static int has_barrier(const cjm_model *m, int e)
{
    for (int b = 0; b < m->barrier_count; b++)
        for (int k = 0; k < m->barriers[b].edge_count; k++)
            if (m->barriers[b].edges[k] == e) return 1;
    return 0;
}

/* A free text (the scenario's name) inside a quoted DOT or Mermaid label. */
static void put_text(FILE *f, const char *s, int mermaid)
{
    for (; *s; s++) {
        if (*s == '"')
            fputs(mermaid ? "#quot;" : "\\\"", f);
        else if (*s == '\\' && !mermaid)
            fputs("\\\\", f);
        else if ((unsigned char)*s >= 32)
            fputc(*s, f);
    }
}

static cjm_status write_dot(const cjm_model *m, FILE *f, cjm_error *err)
{
    fputs("digraph journey {\n  label=\"", f);
    put_text(f, m->name, 0);
    fputs(" (per ", f);
    put_text(f, m->step_name, 0);
    fputs(")\";\n  labelloc=t;\n  rankdir=LR;\n", f);
    fputs("  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n"
          "  edge [fontname=\"Helvetica\", fontsize=10];\n",
          f);
    for (int s = 0; s < m->stage_count; s++) {
        const cjm_stage *st = &m->stages[s];
        fprintf(f, "  \"%s\"%s;\n", st->name,
                st->converts ? " [peripheries=2]"
                : st->final  ? " [style=\"rounded,filled\", fillcolor=\"#dddddd\"]"
                             : "");
    }
    for (int e = 0; e < m->edge_count; e++) {
        char *label = edge_label(m, e, "\\n");
        if (!label) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
        fprintf(f, "  \"%s\" -> \"%s\" [label=\"%s\"%s];\n", m->stages[m->edges[e].from].name,
                m->stages[m->edges[e].to].name, label,
                has_barrier(m, e) ? ", color=\"#c0392b\", style=dashed" : "");
        free(label);
    }
    fputs("}\n", f);
    return CJM_OK;
}

static cjm_status write_mermaid(const cjm_model *m, FILE *f, cjm_error *err)
{
    fputs("---\ntitle: \"", f);
    put_text(f, m->name, 1);
    fputs("\"\n---\nflowchart LR\n", f);
    for (int s = 0; s < m->stage_count; s++) {
        const cjm_stage *st = &m->stages[s];
        fprintf(f, "  s%d%s\"%s\"%s\n", s,
                st->converts ? "(("
                : st->final  ? "[("
                             : "(",
                st->name,
                st->converts ? "))"
                : st->final  ? ")]"
                             : ")");
    }
    for (int e = 0; e < m->edge_count; e++) {
        char *label = edge_label(m, e, "<br/>");
        if (!label) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
        fprintf(f, "  s%d %s|\"%s\"| s%d\n", m->edges[e].from, has_barrier(m, e) ? "-.->" : "-->",
                label, m->edges[e].to);
        free(label);
    }
    return CJM_OK;
}

cjm_status cjm_model_graph(const cjm_model *m, cjm_format fmt, FILE *f, cjm_error *err)
{
    if (fmt == CJM_FORMAT_DOT) return write_dot(m, f, err);
    if (fmt == CJM_FORMAT_MERMAID) return write_mermaid(m, f, err);
    return cjm_error_set(err, CJM_EUSAGE, "the journey map is written as dot or mermaid");
}
