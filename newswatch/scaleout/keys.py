"""The Redis keys that workers, the writer and the daemon share (see newswatch.scaleout)."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_PREFIX = "newswatch"


@dataclass(frozen=True)
class RedisKeys:
    prefix: str = DEFAULT_PREFIX

    def jobs(self, outlet: str) -> str:
        return f"{self.prefix}:jobs:{outlet}"

    def requests(self, outlet: str) -> str:
        return f"{self.prefix}:{outlet}:requests"

    def seen(self, outlet: str, window: int) -> str:
        return f"{self.prefix}:{outlet}:seen:{window}"

    def pace(self, host: str) -> str:
        return f"{self.prefix}:pace:{host}"

    @property
    def validators(self) -> str:
        return f"{self.prefix}:validators"

    @property
    def pending(self) -> str:
        return f"{self.prefix}:pending"

    @property
    def pending_tries(self) -> str:
        return f"{self.prefix}:pending:tries"

    @property
    def known(self) -> str:
        return f"{self.prefix}:known"

    @property
    def articles(self) -> str:
        return f"{self.prefix}:articles"

    @property
    def processing(self) -> str:
        return f"{self.prefix}:articles:processing"

    @property
    def rejected(self) -> str:
        return f"{self.prefix}:articles:rejected"

    @property
    def writer_lock(self) -> str:
        return f"{self.prefix}:writer"

    def writer_counts(self, outlet: str, worker: str) -> str:
        return f"{self.prefix}:writer:counts:{outlet}:{worker}"
