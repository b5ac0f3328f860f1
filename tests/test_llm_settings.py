"""Per-system LLM settings: defaults, validation and the environment override."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from pepa.agent.llm import LLMClient, LLMSettings


def test_default_is_offline_and_disabled() -> None:
    settings = LLMSettings()
    assert settings.backend == "offline"
    assert settings.resolved_base_url() is None
    assert not LLMClient(settings).enabled


def test_openai_backend_needs_a_model() -> None:
    with pytest.raises(ValidationError, match="needs a model name"):
        LLMSettings(backend="openai", base_url="http://127.0.0.1:1/v1")


def test_unknown_field_and_bad_values_are_named() -> None:
    with pytest.raises(ValidationError, match="temprature"):
        LLMSettings.model_validate({"temprature": 0.1})
    with pytest.raises(ValidationError, match="timeout_s"):
        LLMSettings(timeout_s=0)


def test_local_backend_points_at_its_launcher() -> None:
    settings = LLMSettings(backend="local", local_port=9123)
    assert settings.resolved_base_url() == "http://127.0.0.1:9123/v1"
    assert LLMSettings(backend="local", base_url="http://h:1/v1/").resolved_base_url() == (
        "http://h:1/v1"
    )


def test_environment_sets_one_system_only() -> None:
    env = {
        "PEPA_SYS2_LLM_BACKEND": "openai",
        "PEPA_SYS2_LLM_MODEL": "small",
        "PEPA_SYS2_LLM_TIMEOUT_S": "3.5",
        "PEPA_SYS3_LLM_BACKEND": "local",
        "MY_KEY": "secret",
        "PEPA_SYS2_LLM_API_KEY_ENV": "MY_KEY",
    }
    sys2 = LLMSettings.from_env("sys2", env)
    assert (sys2.backend, sys2.model, sys2.timeout_s) == ("openai", "small", 3.5)
    assert sys2.api_key(env) == "secret"
    assert LLMSettings.from_env("sys3", env).backend == "local"
    assert LLMSettings.from_env("sys1", env).backend == "offline"


def test_environment_typos_and_bad_values_name_the_variable() -> None:
    with pytest.raises(ValueError, match="PEPA_SYS3_LLM_MODLE"):
        LLMSettings.from_env("sys3", {"PEPA_SYS3_LLM_MODLE": "x"})
    with pytest.raises(ValueError, match="PEPA_SYS3_LLM_BACKEND: Input should be"):
        LLMSettings.from_env("sys3", {"PEPA_SYS3_LLM_BACKEND": "cloud"})
