import sys

from awsgraph.cli import main

sys.exit(main())
