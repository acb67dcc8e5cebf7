"""The structure's logo: copied beside the database, once per image; PNG or JPEG only."""

import pytest
from refusal import refused

from pre_desktop.services import settings
from pre_desktop.services.errors import DomainError


def test_logo_copied_beside_the_database_named_after_its_content(tmp_path):
    source = tmp_path / "clé USB" / "Logo.PNG"
    source.parent.mkdir()
    source.write_bytes(b"\x89PNG fake")
    db_path = tmp_path / "base" / "pre.sqlite"
    db_path.parent.mkdir()
    first = settings.store_logo(source, db_path)
    assert first.parent == db_path.parent / "logos" and first.suffix == ".png" and first.read_bytes() == b"\x89PNG fake"
    assert settings.store_logo(source, db_path) == first  # the same image is not copied twice
    source.write_bytes(b"\x89PNG other")
    assert settings.store_logo(source, db_path) != first
    assert sorted(p.name for p in first.parent.iterdir()) == sorted({first.name, settings.store_logo(source, db_path).name})


def test_logo_refusals(tmp_path, factory, db_snapshot):
    gif = tmp_path / "logo.gif"
    gif.write_bytes(b"GIF89a")
    with pytest.raises(DomainError) as err:
        settings.store_logo(gif, tmp_path / "pre.sqlite")
    assert err.value.field == "logo_path" and "PNG ou JPEG" in err.value.message
    with pytest.raises(DomainError, match="introuvable"):
        settings.store_logo(tmp_path / "absent.png", tmp_path / "pre.sqlite")
    assert refused(factory, db_snapshot,
                   lambda s: settings.update_settings(s, pre_name="PRE", logo_path=str(gif))).field == "logo_path"
