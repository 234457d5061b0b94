"""Item pipelines, one small class a module, in the order settings.ITEM_PIPELINES runs them:
normalise -> topic relevance -> store (de-duplication joins before the store)."""

from newswatch.pipelines.normalise import NormalisePipeline
from newswatch.pipelines.store import StorePipeline
from newswatch.pipelines.topic import TopicPipeline

__all__ = ["NormalisePipeline", "StorePipeline", "TopicPipeline"]
