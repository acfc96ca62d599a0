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
