"""Item pipelines, one small class a module, in the order settings.ITEM_PIPELINES runs them:
normalise -> store (topic relevance and de-duplication join in between)."""

from newswatch.pipelines.normalise import NormalisePipeline
from newswatch.pipelines.store import StorePipeline

__all__ = ["NormalisePipeline", "StorePipeline"]
