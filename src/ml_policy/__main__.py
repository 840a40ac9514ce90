"""`python -m ml_policy` is the same as the `ml-policy` command."""

import sys

from ml_policy.cli import main

sys.exit(main())
