# make fuzz-plugins: the example asks for bodies too.
FUZZ_ARGS_example = body=1
