#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
exec sh "$(dirname "$0")/golden.sh" "$SMTPSCOPE"
