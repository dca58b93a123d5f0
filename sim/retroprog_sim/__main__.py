"""``python -m retroprog_sim``: the ``retroprog`` command line."""

from retroprog_sim.cli import main

if __name__ == "__main__":
    main()
