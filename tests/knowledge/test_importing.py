import pytest
from django.contrib.postgres.search import SearchQuery
from django.core.management import CommandError, call_command

from knowledge.models import KBArticle, KnowledgeEntry, ReembedProgress

HEADER = "ticket_id,body,queue,reply,closed\n"


def write(tmp_path, name: str, content: str | bytes):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


MAP = "id=ticket_id,text=body,category=queue,response=reply,resolved_at=closed"


@pytest.mark.django_db
def test_import_is_idempotent_on_the_id_column(tmp_path, capsys):
    path = write(
        tmp_path,
        "export.csv",
        HEADER
        + "1,I was charged twice,billing,Refunded,2025-03-01\n2,Cannot log in,account,Reset link "
        "sent,2025-03-02T10:00:00Z\n",
    )
    call_command("import_resolved", str(path), "--map", MAP)
    assert "Imported 2 rows" in capsys.readouterr().out
    call_command("import_resolved", str(path), "--map", MAP)
    out = capsys.readouterr().out
    assert "Imported 0 rows, skipped 2" in out and "already imported" in out
    assert KnowledgeEntry.objects.count() == 2
    entry = KnowledgeEntry.objects.get(external_id="import:1")
    assert entry.response == "Refunded" and entry.resolved_at.date().isoformat() == "2025-03-01"
    assert entry.embedding is not None


@pytest.mark.django_db
def test_rows_without_an_id_are_keyed_by_content(tmp_path, capsys):
    path = write(
        tmp_path,
        "b77.csv",
        "text,category\nWhere is my card?,card_arrival\nWhere is my card?,card_arrival\n\nHow do "
        "I top up?,top_up\n",
    )
    call_command("import_resolved", str(path), "--map", "text=text,category=category")
    out = capsys.readouterr().out
    assert "Imported 2 rows" in out and "duplicate in file" in out
    call_command("import_resolved", str(path), "--map", "text=text,category=category")
    assert KnowledgeEntry.objects.count() == 2


@pytest.mark.django_db
def test_rows_with_missing_or_bad_values_are_skipped_with_line_and_column(tmp_path, capsys):
    path = write(
        tmp_path,
        "export.csv",
        HEADER + "1,,billing,x,2025-01-01\n2,Fine,billing,x,not-a-date\n3,Fine too,billing,x,\n",
    )
    call_command("import_resolved", str(path), "--map", MAP)
    out = capsys.readouterr().out
    assert "Imported 1 rows, skipped 2" in out
    assert "line 2: column 'body' (text) is empty" in out
    assert "line 3: column 'closed' has 'not-a-date'" in out


@pytest.mark.parametrize(
    ("content", "mapping", "message"),
    [
        (
            HEADER + "1,a,b,c,d\n",
            "id=ticket_id,text=subject,category=queue",
            "has no column 'subject'; its columns are ticket_id, body, queue, reply, closed",
        ),
        (HEADER + "1,a,b,c,d\n", "text=body", "--map must map category"),
        (HEADER + "1,a,b,c,d\n", "text=body,category=queue,colour=reply", "unknown field 'colour'"),
        (
            HEADER + '1,"unbalanced,billing,x,2025-01-01\n2,ok,billing,x,2025-01-01\n',
            MAP,
            "broken CSV",
        ),
        (
            HEADER.encode() + "1,Gr\u00fc\u00dfe,billing,x,2025-01-01\n".encode("latin-1"),
            MAP,
            "not valid utf-8-sig",
        ),
        ("", MAP, "is empty"),
    ],
)
@pytest.mark.django_db
def test_bad_files_fail_with_a_clear_message_and_write_nothing(tmp_path, content, mapping, message):
    path = write(tmp_path, "bad.csv", content)
    with pytest.raises(CommandError) as excinfo:
        call_command("import_resolved", str(path), "--map", mapping)
    assert message in str(excinfo.value)
    assert "\n" not in str(excinfo.value)
    assert KnowledgeEntry.objects.count() == 0


@pytest.mark.django_db
def test_wrong_encoding_imports_with_the_right_flag(tmp_path):
    path = write(
        tmp_path,
        "latin.csv",
        HEADER.encode()
        + "1,Gr\u00fc\u00dfe aus K\u00f6ln,billing,x,2025-01-01\n".encode("latin-1"),
    )
    call_command("import_resolved", str(path), "--map", MAP, "--encoding", "latin-1")
    assert KnowledgeEntry.objects.get().text == "Grüße aus Köln"


@pytest.mark.django_db
def test_imported_text_is_masked_and_html_is_stored_as_text(tmp_path):
    path = write(
        tmp_path,
        "x.csv",
        HEADER + '1,"Mail me at bob@example.com <script>alert(1)</script>",billing,ok,2025-01-01\n',
    )
    call_command("import_resolved", str(path), "--map", MAP)
    entry = KnowledgeEntry.objects.get()
    assert "bob@example.com" not in entry.text and "[EMAIL_1]" in entry.text
    assert "<script>" in entry.text  # stored as the text it is; escaped wherever shown


@pytest.mark.django_db
def test_import_articles_takes_markdown_and_html(tmp_path, capsys):
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "refunds.md").write_text("# Refunds\n\n## Timing\nFive to ten days.\n")
    (folder / "sso.html").write_text(
        "<html><head><title>SSO setup</title></head><body><h2>Okta</h2><p>Paste the metadata "
        "URL.</p></body></html>"
    )
    (folder / "notes.txt").write_text("ignored")
    call_command("import_articles", str(folder), "--kind", "policy")
    assert set(KBArticle.objects.values_list("title", flat=True)) == {"Refunds", "SSO setup"}
    sso = KBArticle.objects.get(slug="sso")
    assert sso.chunks.get().heading == "SSO setup › Okta"
    (folder / "refunds.md").write_text("# Refunds\n\n## Timing\nFive to ten business days.\n")
    call_command("import_articles", str(folder))
    refunds = KBArticle.objects.get(slug="refunds")
    assert refunds.version == 2 and refunds.versions.get().body.endswith("Five to ten days.\n")


@pytest.mark.django_db
def test_import_articles_from_a_missing_folder_fails_clearly(tmp_path):
    with pytest.raises(CommandError, match="is not a directory"):
        call_command("import_articles", str(tmp_path / "nope"))


@pytest.mark.django_db
def test_reembed_fixes_stale_rows_and_resumes_a_full_pass(tmp_path, capsys):
    path = write(
        tmp_path, "x.csv", "text,category\nfirst question,a\nsecond question,b\nthird question,c\n"
    )
    call_command("import_resolved", str(path), "--map", "text=text,category=category")
    KnowledgeEntry.objects.filter(text="second question").update(embedding=None, embedding_model="")
    KnowledgeEntry.objects.filter(text="third question").update(embedding_model="old-model")
    call_command("reembed")
    assert "entries: re-embedded 2 rows" in capsys.readouterr().out
    assert set(KnowledgeEntry.objects.values_list("embedding_model", flat=True)) == {
        "all-MiniLM-L6-v2"
    }
    # an interrupted --all pass that had done the first row resumes after it
    first = KnowledgeEntry.objects.order_by("pk").first()
    ReembedProgress.objects.create(table="entries", model_name="all-MiniLM-L6-v2", last_id=first.pk)
    call_command("reembed", "--all")
    out = capsys.readouterr().out
    assert f"resuming after id {first.pk}" in out and "entries: re-embedded 2 rows" in out
    assert not ReembedProgress.objects.exists()


@pytest.mark.django_db
def test_imports_without_a_language_column_tell_the_language_and_index_its_words(tmp_path):
    path = write(
        tmp_path,
        "de.csv",
        "text,category\n"
        '"Mir wurde die Rechnung für März doppelt abgebucht, bitte Geld zurück",billing\n'
        "I was charged twice for the March invoice and would like my money back,billing\n",
    )
    call_command("import_resolved", str(path), "--map", "text=text,category=category")
    german = KnowledgeEntry.objects.get(text__startswith="Mir wurde")
    english = KnowledgeEntry.objects.get(text__startswith="I was")
    assert (german.language, english.language) == ("de", "en")
    # each indexed with its own language's stemming: "Rechnungen" finds the German entry
    assert list(
        KnowledgeEntry.objects.filter(
            search_document=SearchQuery("Rechnungen", config="german")
        ).values_list("pk", flat=True)
    ) == [german.pk]


@pytest.mark.django_db
def test_articles_are_indexed_in_their_language(tmp_path):
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "erstattung.md").write_text(
        "# Erstattungen\n\n## Dauer\nErstattungen dauern fünf bis zehn Werktage, bis sie auf "
        "Ihrem Konto erscheinen.\n"
    )
    call_command("import_articles", str(folder))
    article = KBArticle.objects.get()
    assert article.language == "de" and {c.language for c in article.chunks.all()} == {"de"}
    assert article.chunks.filter(
        search_document=SearchQuery("Erstattung", config="german")
    ).exists()


@pytest.mark.django_db
def test_another_helpdesks_anonymisation_marks_are_imported_as_blanks(tmp_path):
    path = write(
        tmp_path,
        "export.csv",
        HEADER + '7,My card was charged twice,billing,"Hi <name>, we refunded account <acc_num>; '
        'quote [ORDER_ID] if it is not back in 5 days.",2025-03-01\n',
    )
    call_command("import_resolved", str(path), "--map", MAP)
    entry = KnowledgeEntry.objects.get(external_id="import:7")
    assert entry.response == (
        "Hi {{Name}}, we refunded account {{Acc Num}}; quote {{Order Id}} if it is not back in 5 "
        "days."
    )
