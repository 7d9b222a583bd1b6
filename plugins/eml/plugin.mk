# make fuzz-plugins: write into a scratch folder, every outcome, bounded.
# SPDX-License-Identifier: GPL-2.0-or-later
FUZZ_ARGS_eml = dir=build/fuzz/plugin-out,keep=all,max_disk=8m,full=oldest
