"""``python -m cli``: the ``kb`` command."""
import sys

from cli import main

sys.exit(main())
