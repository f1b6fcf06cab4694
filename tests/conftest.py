import sys
from pathlib import Path

# Test helpers live next to the tests, outside the installed package.
sys.path.insert(0, str(Path(__file__).resolve().parent))
