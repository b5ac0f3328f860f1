"""The one LLM client of the agent, its settings, prompt templates and the local backend."""

from pepa.agent.llm.client import FallbackReason, LLMClient, LLMOutcome, LLMStats
from pepa.agent.llm.settings import LLMSettings

__all__ = ["FallbackReason", "LLMClient", "LLMOutcome", "LLMSettings", "LLMStats"]
