"""``python -m gigaplan``: the same command as ``gigaplan``."""

from gigaplan.cli import main

if __name__ == "__main__":
    main()
