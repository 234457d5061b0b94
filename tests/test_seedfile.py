"""The seed format: lossless round trip, rendering of crawled articles, and bad input."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from conftest import NOW, SEEDS

from newswatch.items import Article
from newswatch.seedfile import (
    SeedFileError,
    article_seed_text,
    parse_seed_text,
    read_seed_file,
    render_seed_text,
    write_seed_file,
)

TODAY = NOW.date()
SEED_FILES = sorted(SEEDS.glob("*.txt"))


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.name)
def test_each_seed_reads_and_writes_back_byte_for_byte(path: Path, tmp_path: Path):
    original = path.read_bytes()
    seed = read_seed_file(path, TODAY)
    assert seed.warnings == []
    assert seed.article.id == path.stem.split("_")[1]
    written = write_seed_file(tmp_path, seed.article)
    assert written.name == f"000_{seed.article.id}.txt"
    assert written.read_bytes() == original


def test_seed_headers_are_read():
    dates = {p.name[:3]: read_seed_file(p, TODAY).article.date for p in SEED_FILES}
    assert dates == {
        "000": "2026-02-12",
        "001": None,
        "002": "2026-02-11",
        "003": "2025-02-12",
        "004": None,
    }
    sputnik = read_seed_file(SEED_FILES[0], TODAY).article
    assert sputnik.text.startswith("International\n- Sputnik International, 1920\n")
    assert sputnik.published_raw == "2026-02-12"


def test_parse_and_render_are_inverse():
    for text in (
        " date 2026-02-12 Title\n\nBody",
        "No header at all\n",
        " date 2026-02-12 ",
        "date 2026-02-12 not a header (no leading space)",
    ):
        parsed = parse_seed_text(text)
        assert render_seed_text(parsed.date_raw, parsed.body) == text


def test_crawled_article_renders_title_lead_and_paragraphs():
    article = Article(
        id="0123456789abcdef",
        title="Rutte backs talks",
        lead="The NATO chief spoke.",
        text="First paragraph.\n\nSecond paragraph.",
        date="2026-02-12",
    )
    assert article_seed_text(article) == (
        " date 2026-02-12 Rutte backs talks\n\nThe NATO chief spoke.\n\n"
        "First paragraph.\n\nSecond paragraph."
    )
    undated = Article(id="0123456789abcdef", title="T", text="Body.")
    assert article_seed_text(undated) == "T\n\nBody."


def test_running_numbers_continue_and_never_overwrite(tmp_path: Path):
    (tmp_path / "007_aaaaaaaaaaaaaaaa.txt").write_text("kept")
    (tmp_path / "notes.md").write_text("not a seed")
    first = write_seed_file(tmp_path, Article(id="1111111111111111", text="one"))
    second = write_seed_file(tmp_path, Article(id="2222222222222222", text="two"))
    assert (first.name, second.name) == ("008_1111111111111111.txt", "009_2222222222222222.txt")
    assert (tmp_path / "007_aaaaaaaaaaaaaaaa.txt").read_text() == "kept"
    assert not list(tmp_path.glob(".seed-*"))  # no temporary file left behind


def test_write_skips_a_number_taken_by_another_writer(tmp_path: Path, mocker):
    # Another process creates 000 between our choice of number and our link: we take 001.
    from newswatch import seedfile

    real_link = seedfile.os.link
    calls = []

    def racing_link(src, dst):
        if not calls:
            Path(dst).write_text("the other writer's file")
        calls.append(dst)
        return real_link(src, dst)

    mocker.patch.object(seedfile.os, "link", side_effect=racing_link)
    path = write_seed_file(tmp_path, Article(id="3333333333333333", text="mine"))
    assert path.name == "001_3333333333333333.txt"
    assert (tmp_path / "000_3333333333333333.txt").read_text() == "the other writer's file"
    assert path.read_text() == "mine"


# --- bad input -----------------------------------------------------------------------------


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_no_header_is_imported_undated(tmp_path):
    seed = read_seed_file(_write(tmp_path, "010_00000000000000aa.txt", b"Just text."), TODAY)
    assert (seed.article.date, seed.article.text, seed.warnings) == (None, "Just text.", [])


@pytest.mark.parametrize("bad_date", ["2026-02-30", "2026-13-01", "20260212", "2026-W05-1"])
def test_impossible_header_date_is_dropped_with_a_warning(tmp_path, bad_date):
    path = _write(tmp_path, "011_00000000000000ab.txt", f" date {bad_date} Body text.".encode())
    seed = read_seed_file(path, TODAY)
    assert seed.article.date is None
    assert seed.article.published_raw == bad_date
    assert seed.article.text == "Body text."
    assert any(bad_date in w for w in seed.warnings)


def test_future_and_ancient_dates_are_dropped(tmp_path):
    for day in ("2031-01-01", "1989-12-31"):
        seed = read_seed_file(
            _write(tmp_path, "012_00000000000000ac.txt", f" date {day} Body.".encode()), TODAY
        )
        assert seed.article.date is None and "implausible" in seed.warnings[0]


@pytest.mark.parametrize("data", [b"", b"   \n\n", b" date 2026-02-12 ", b" date 2026-02-12 \n \n"])
def test_empty_files_are_refused_with_the_file_name(tmp_path, data):
    path = _write(tmp_path, "013_00000000000000ad.txt", data)
    with pytest.raises(SeedFileError) as error:
        read_seed_file(path, TODAY)
    assert str(path) in str(error.value) and "empty" in str(error.value)


def test_windows_1251_is_decoded(tmp_path):
    text = " date 2026-02-11 Рютте підтримав відновлення контактів з Росією «якщо це допоможе»."
    seed = read_seed_file(
        _write(tmp_path, "014_00000000000000ae.txt", text.encode("cp1251")), TODAY
    )
    assert seed.article.text == text[len(" date 2026-02-11 ") :]
    assert seed.article.date == "2026-02-11"
    assert seed.encoding == "windows-1251" and "windows-1251" in seed.warnings[0]


def test_utf8_bom_is_stripped(tmp_path):
    seed = read_seed_file(
        _write(tmp_path, "015_00000000000000af.txt", b"\xef\xbb\xbf date 2026-02-11 Text"), TODAY
    )
    assert (seed.article.date, seed.article.text) == ("2026-02-11", "Text")


@pytest.mark.parametrize(
    "data,reason",
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("caf\xe9 cr\xe8me br\xfbl\xe9e".encode("latin-1"), "not UTF-8"),
    ],
)
def test_undecodable_files_are_refused(tmp_path, data, reason):
    path = _write(tmp_path, "016_00000000000000b0.txt", data)
    with pytest.raises(SeedFileError, match=reason):
        read_seed_file(path, TODAY)


def test_name_without_hex_gets_an_id_from_the_text(tmp_path):
    path = _write(tmp_path, "notes from kyiv.txt", " date 2026-02-11 Текст статті.".encode())
    seed = read_seed_file(path, TODAY)
    assert seed.article.id == hashlib.sha256("Текст статті.".encode()).hexdigest()[:16]
    assert "no 16-hex id" in seed.warnings[0]


def test_upper_case_hex_in_an_odd_name_is_used(tmp_path):
    path = _write(tmp_path, "article-80F9698F8040A783.txt", b"Text.")
    seed = read_seed_file(path, TODAY)
    assert seed.article.id == "80f9698f8040a783"
    assert "not NNN_<16 hex>.txt" in seed.warnings[0]


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(SeedFileError, match="cannot read"):
        read_seed_file(tmp_path / "000_0000000000000000.txt", TODAY)


def test_a_file_larger_than_any_article_is_refused_unread(tmp_path, mocker):
    from newswatch import seedfile

    decode = mocker.spy(seedfile, "decode_bytes")
    words = b"Talks in Geneva went on. " * (20 * 1024 * 1024 // 25)  # 20 MB of text
    with pytest.raises(SeedFileError, match="too large: more than 2 MB"):
        read_seed_file(_write(tmp_path, "025_00000000000000c5.txt", words), TODAY)
    assert decode.call_count == 0
    at_limit = words[: seedfile.MAX_SEED_BYTES]
    seed = read_seed_file(_write(tmp_path, "026_00000000000000c6.txt", at_limit), TODAY)
    assert seed.article.text.encode() == at_limit


def test_a_first_line_that_only_looks_like_a_header_is_text(tmp_path):
    path = _write(tmp_path, "017_00000000000000b1.txt", b" date of birth: unknown\nText.")
    seed = read_seed_file(path, TODAY)
    assert (seed.article.date, seed.article.published_raw) == (None, None)
    assert seed.article.text == " date of birth: unknown\nText."


@pytest.mark.parametrize(
    "text",
    [
        " date 2026-02-11 Line one.\r\nLine two.\r\n",  # CRLF line ends
        " date 2026-02-11 Переговори\u0306 у Женеві.",  # NFD: a combining breve
        "\ufeffNo header; a BOM inside the text is not ours to strip.",
    ],
)
def test_any_utf8_text_reads_and_writes_back_byte_for_byte(tmp_path, text):
    path = _write(tmp_path, "018_00000000000000b2.txt", text.encode("utf-8"))
    data = path.read_bytes()
    seed = read_seed_file(path, TODAY)
    out = tmp_path / "out"
    written = write_seed_file(out, seed.article)
    expected = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    assert written.read_bytes() == expected


def test_koi8_r_is_refused_rather_than_stored_as_mojibake(tmp_path):
    text = "Переговоры России и США о прекращении огня в Женеве продолжились в четверг."
    path = _write(tmp_path, "019_00000000000000b3.txt", text.encode("koi8_r"))
    with pytest.raises(SeedFileError, match="not UTF-8"):
        read_seed_file(path, TODAY)


def test_utf32_with_a_bom_is_decoded(tmp_path):
    path = _write(tmp_path, "020_00000000000000b4.txt", "Текст.".encode("utf-32"))
    assert read_seed_file(path, TODAY).article.text == "Текст."


def test_folders_are_read_without_hidden_files_and_folders(tmp_path):
    from newswatch.seedfile import iter_seed_paths

    for name in (
        "a/000_0000000000000001.txt",
        ".venv/lib/LICENSE.txt",
        "a/.hidden.txt",
        "b/notes.md",
        "b/c/001_0000000000000002.txt",
    ):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    found = [p.relative_to(tmp_path).as_posix() for p, _ in iter_seed_paths([tmp_path])]
    assert found == ["a/000_0000000000000001.txt", "b/c/001_0000000000000002.txt"]


def test_written_files_are_readable_by_others_and_numbering_ignores_other_files(tmp_path):
    import os
    import stat

    (tmp_path / "20261122_report.txt").write_text("a report, not a seed file")
    old = os.umask(0o022)
    try:
        path = write_seed_file(tmp_path, Article(id="4444444444444444", text="x"))
    finally:
        os.umask(old)
    assert path.name == "000_4444444444444444.txt"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_a_sixteen_digit_running_number_is_not_taken_for_the_id(tmp_path):
    path = _write(tmp_path, "0000000000000123_80f9698f8040a783.txt", b"Text.")
    assert read_seed_file(path, TODAY).article.id == "80f9698f8040a783"
