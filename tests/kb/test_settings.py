"""Settings from explicit values and the environment."""
from __future__ import annotations

import pytest

from kb.settings import Settings


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("KB_REQUIRE_SIGN_IN", "KB_SECURE_COOKIES", "KB_BEHIND_PROXY"):
        monkeypatch.delenv(variable, raising=False)
    assert Settings.from_env().require_sign_in is False
    assert Settings.from_env().secure_cookies is True
    monkeypatch.setenv("KB_REQUIRE_SIGN_IN", "yes")
    monkeypatch.setenv("KB_SECURE_COOKIES", "no")
    monkeypatch.setenv("KB_BEHIND_PROXY", "1")
    settings = Settings.from_env()
    assert (settings.require_sign_in, settings.secure_cookies, settings.behind_proxy) == (True, False, True)
    assert Settings.from_env(require_sign_in=False).require_sign_in is False, "a flag wins"
    monkeypatch.setenv("KB_REQUIRE_SIGN_IN", "perhaps")
    with pytest.raises(ValueError, match="KB_REQUIRE_SIGN_IN must be yes or no"):
        Settings.from_env()


def test_the_search_engine_is_a_setting(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    from cli import main

    monkeypatch.delenv("KB_ENGINE", raising=False)
    assert Settings.from_env().engine == Settings().engine == "tantivy"
    monkeypatch.setenv("KB_ENGINE", "Whoosh ")
    assert Settings.from_env().engine == Settings().engine == "whoosh"
    monkeypatch.setenv("KB_ENGINE", "lucene")
    with pytest.raises(ValueError, match="KB_ENGINE must be one of tantivy, whoosh"):
        Settings.from_env()
    assert main(["stats", "--data", str(tmp_path / "data")]) == 2  # a usage error, not a crash
