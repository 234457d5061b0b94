"""alert: tell the analyst's channels (webhook, e-mail, Telegram, Slack... through Apprise)
about new and spreading on-topic stories; `alert test CHANNEL` checks that a channel works."""

from __future__ import annotations

import os
from pathlib import Path

import click

from newswatch.cli import main
from newswatch.cli.common import _fail, _open_existing, backfill_day, db_option

DEFAULT_CONFIG = "alerts.toml"

config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help=f"The alerts file [default: $NEWSWATCH_ALERTS or {DEFAULT_CONFIG}].",
)


def _load(config_path: Path | None):
    from newswatch.alerts.config import AlertConfigError, load_config

    path = config_path or Path(os.environ.get("NEWSWATCH_ALERTS") or DEFAULT_CONFIG)
    try:
        return load_config(path)
    except AlertConfigError as error:
        _fail(str(error))


@main.group(invoke_without_command=True)
@click.option("--dry-run", is_flag=True, help="Print what would be sent; send and record nothing.")
@click.option(
    "--since",
    metavar="YYYY-MM-DD",
    callback=backfill_day,
    help="Alert stories first seen since this day (UTC), not only since the channel was set up.",
)
@config_option
@db_option
@click.pass_context
def alert(ctx, dry_run: bool, since: str | None, config_path: Path | None, db_path) -> None:
    """Send the alerts that are due: one per new on-topic story, one when a story reaches
    another outlet or language, or hourly/daily digests; retry what failed. For cron; the
    alerts file names the channels. Exit 1 when a delivery failed (it is retried next time)."""
    ctx.ensure_object(dict).update(config_path=config_path, db_path=db_path)
    if ctx.invoked_subcommand:
        return
    from newswatch.alerts.send import run_alerts
    from newswatch.dates import utc_now

    config = _load(config_path)
    db, _ = _open_existing(db_path)
    try:
        outcome = run_alerts(
            db,
            config,
            utc_now(),
            dry_run=dry_run,
            since=f"{since}T00:00:00+00:00" if since else None,
            show=click.echo,
        )
    finally:
        db.close()
    if dry_run:
        click.echo(f"dry run: {outcome.planned} message(s) would be sent; nothing recorded")
        return
    click.echo(f"alerts: {outcome.sent} sent, {outcome.failed} failed (retried later)")
    if outcome.failures:
        _fail("not delivered: " + " | ".join(outcome.failures))


@alert.command("test")
@click.argument("channel_name", metavar="CHANNEL")
@config_option
@db_option
@click.pass_context
def alert_test(ctx, channel_name: str, config_path: Path | None, db_path) -> None:
    """Send one test message to CHANNEL and say whether it went (exit 1 if not)."""
    from newswatch.alerts.send import send_test
    from newswatch.dates import utc_now

    parent = ctx.obj or {}
    config = _load(config_path or parent.get("config_path"))
    channel = config.channels.get(channel_name)
    if channel is None:
        names = ", ".join(config.channels)
        _fail(f"no channel {channel_name} in the alerts file (it has: {names})")
    db, _ = _open_existing(db_path or parent.get("db_path"))
    try:
        went, result = send_test(db, config, channel, utc_now())
    finally:
        db.close()
    if not went:
        _fail(f"the test message to {channel_name} did not go: {result}")
    click.echo(f"the test message to {channel_name} went")
