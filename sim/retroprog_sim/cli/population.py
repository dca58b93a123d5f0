"""``retroprog population export``: a population as a file, to read or to start from."""

from __future__ import annotations

import click

from retroprog.exceptions import InvalidValueError

from .app import cli

__all__ = ["population"]


@cli.group()
def population() -> None:
    """Populations as data files (TOML)."""


@population.command()
@click.argument("name")
def export(name: str) -> None:
    """Print the population NAME (a preset, a plug-in, a file or MODULE:ATTR) as a file.

    Each client parameter's distribution across clients, with its source or the
    assumption behind it.  Simulating the printed file gives the same clients as
    NAME: ``retroprog population export novice-runner > mine.toml``, edit, then
    ``retroprog simulate --population mine.toml``.
    """
    from ..model.population import PresetPopulation, load_population, population_toml

    found = load_population(name)
    if not isinstance(found, PresetPopulation):
        raise InvalidValueError(
            "population", name, "is a plug-in's own kind of population: it has no file form"
        )
    click.echo(population_toml(found), nl=False)
