import sys

from tagbook.cli import main

sys.exit(main())
