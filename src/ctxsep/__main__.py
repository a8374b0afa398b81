import sys

from ctxsep.cli import main

sys.exit(main())
