"""A progress bar for management commands: one redrawn line in a terminal, one line per step in a log."""

from __future__ import annotations

from collections.abc import Callable

from django.core.management.base import BaseCommand

BAR_WIDTH = 20


def progress_line(fraction: float, message: str) -> str:
    """`[##########----------]  50% 计算得分 (computing scores)`"""
    fraction = min(max(fraction, 0.0), 1.0)
    filled = round(fraction * BAR_WIDTH)
    return f"[{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {round(fraction * 100):3d}% {message}"


class ProgressBar:
    def __init__(self, command: BaseCommand) -> None:
        self.stdout = command.stdout
        self.interactive = command.stdout.isatty()
        self._last = ""

    def __call__(self, fraction: float, message: str) -> None:
        line = progress_line(fraction, message)
        if self.interactive:
            self.stdout.write(f"\r{line}\033[K", ending="")
            self.stdout.flush()
        elif line != self._last:
            self.stdout.write(line)
        self._last = line

    def end(self) -> None:
        """Leave the redrawn line before anything else is printed."""
        if self.interactive:
            self.stdout.write("")


Progress = Callable[[float, str], None]
