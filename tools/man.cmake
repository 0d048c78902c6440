# cmake -DCJM=path/to/cjm -DOUT=cjm.1 -P tools/man.cmake: writes the man page
# cjm(1) from the program's own help tables (cjm help --man), so that the
# page and `cjm COMMAND --help` cannot say different things.
execute_process(COMMAND ${CJM} help --man OUTPUT_FILE ${OUT}.tmp RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cjm help --man failed (${rc})")
endif()
file(RENAME ${OUT}.tmp ${OUT})
