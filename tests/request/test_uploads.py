"""Multipart uploads over real HTTP: files streamed to spooled temporary files, as UploadedFile.

Handlers describe each upload (``specs/uploads/handlers.py``): metadata, where its content sits
and a sha256 of it. Unclosed temporary files on disk would be ResourceWarnings, errors here.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import os
from typing import Any

import aiohttp
import pytest
from aiohttp.web_request import FileField
from conftest import OK, document, problem
from helpers import part, raw_form
from multidict import CIMultiDict, CIMultiDictProxy
from specs.uploads import handlers

from openapi_aio.request import forms
from openapi_aio.request.uploads import SPOOL_SIZE, UploadedFile, spooled_file

H = "specs.uploads.handlers."
FILE = {"type": "string", "format": "binary"}
FILES = {"type": "array", "items": FILE}
STR = {"type": "string"}
INT = {"type": "integer"}
_unique = itertools.count()


def multipart(properties: dict[str, Any], handler: str = "describe", media_type: str = "multipart/form-data", **media):
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if "required" in media:
        schema["required"] = media.pop("required")
    operation = {
        "operationId": f"{H}{handler}__{next(_unique)}",
        "requestBody": {"content": {media_type: {"schema": schema, **media}}},
        "responses": OK,
    }
    return {"post": operation}


PATHS = {
    "/single": multipart({"file": FILE, "note": STR}, required=["file"]),
    "/many": multipart({"a": FILE, "b": FILE}),
    "/array": multipart({"files": FILES, "note": STR}),
    "/mixed": multipart(
        {
            "file": FILE,
            "count": INT,
            "tags": {"type": "array", "items": STR},
            "meta": {"type": "object", "properties": {"n": INT}},
        }
    ),
    "/vendor": multipart({"file": FILE, "name": STR}, media_type="multipart/vnd.acme+form-data"),
    "/encoded": multipart(
        {
            "ids": {"type": "array", "items": INT},
            "point": {"type": "object", "properties": {"x": INT}},
            "label": STR,
            "image": STR,
            "records": {"type": "array", "items": {"type": "object"}},
        },
        encoding={
            "ids": {"contentType": "application/json"},
            "label": {"contentType": "application/json"},
            "image": {"contentType": "image/png, image/jpeg"},
        },
    ),
    "/any": multipart({"file": FILE, "text": STR, "anything": {}}),
    "/keep": multipart({"file": FILE, "files": FILES, "count": INT}, handler="keep"),
    "/only-files": {
        "post": {
            "operationId": f"{H}describe__only",
            "requestBody": {"content": {"multipart/*": {"schema": {"type": "object", "properties": {"f": FILE}}}}},
            "responses": OK,
        }
    },
}


@pytest.fixture
async def client(serve):
    return await serve(document(PATHS))


async def described(response: Any) -> Any:
    assert response.status == 200, await response.text()
    return await response.json()


def add_file(form: aiohttp.FormData, name: str, content: bytes, filename: str, **extra: Any) -> None:
    """A file field; large content as a file object (raw bytes that large make aiohttp warn)."""
    form.add_field(name, io.BytesIO(content) if len(content) > 64 * 1024 else content, filename=filename, **extra)


def upload(name: str, content: bytes, filename: str, content_type: str = "application/octet-stream", **extra: Any):
    return {
        "$type": "upload",
        "name": name,
        "filename": filename,
        "content_type": content_type,
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
        "length": len(content),
        "position": 0,
        "in_memory": True,
        "rolled": False,
        "text": content.decode("latin-1") if len(content) <= 64 else None,
        **extra,
    }


# --- files ---


async def test_a_single_file_arrives_as_an_uploaded_file_in_body_and_as_its_field(client):
    form = aiohttp.FormData()
    form.add_field("file", b"hello, world", filename="hello.txt", content_type="text/plain")
    form.add_field("note", "greeting")
    got = await described(await client.post("/single", data=form))
    file = upload("file", b"hello, world", "hello.txt", "text/plain")
    assert got == {"body": {"file": file, "note": "greeting"}, "file": file, "note": "greeting"}


async def test_several_files(client):
    form = aiohttp.FormData()
    form.add_field("a", b"first", filename="a.bin")
    form.add_field("b", b"second", filename="b.bin")
    got = await described(await client.post("/many", data=form))
    assert got["a"] == upload("a", b"first", "a.bin")
    assert got["b"] == upload("b", b"second", "b.bin")


async def test_an_array_of_files_is_a_list_in_order(client):
    form = aiohttp.FormData()
    contents = [b"one", b"two" * 1000, b""]
    for index, content in enumerate(contents):
        form.add_field("files", content, filename=f"{index}.dat")
    form.add_field("note", "three files")
    got = await described(await client.post("/array", data=form))
    assert got["files"] == [upload("files", content, f"{i}.dat") for i, content in enumerate(contents)]
    assert got["body"]["files"] == got["files"]
    assert got["note"] == "three files"


async def test_a_file_larger_than_the_spool_goes_to_disk_intact(client):
    content = os.urandom(SPOOL_SIZE + SPOOL_SIZE // 2 + 7)
    form = aiohttp.FormData()
    add_file(form, "file", content, "big.bin")
    got = await described(await client.post("/single", data=form))
    assert got["file"] == upload("file", content, "big.bin", in_memory=False, rolled=True)


async def test_a_file_of_exactly_the_spool_size_stays_in_memory(client):
    content = b"x" * SPOOL_SIZE
    form = aiohttp.FormData()
    add_file(form, "file", content, "edge.bin")
    got = await described(await client.post("/single", data=form))
    assert got["file"] == upload("file", content, "edge.bin")


async def test_fields_and_files_mixed(client):
    form = aiohttp.FormData()
    form.add_field("count", "3")
    form.add_field("file", b"\x00\x01\x02", filename="raw.bin", content_type="application/x-thing")
    form.add_field("tags", "a")
    form.add_field("tags", "b")
    form.add_field("meta", '{"n": 7}', content_type="application/json")
    got = await described(await client.post("/mixed", data=form))
    expected = {
        "count": 3,
        "file": upload("file", b"\x00\x01\x02", "raw.bin", "application/x-thing"),
        "tags": ["a", "b"],
        "meta": {"n": 7},
    }
    assert got == {"body": expected, **expected}


async def test_vendor_multipart_type(client):
    with aiohttp.MultipartWriter("vnd.acme+form-data") as writer:
        field = writer.append("rex")
        field.set_content_disposition("form-data", name="name")
        file = writer.append(b"%PDF-1.7", {"Content-Type": "application/pdf"})
        file.set_content_disposition("form-data", name="file", filename="rex.pdf")
    got = await described(await client.post("/vendor", data=writer))
    assert got["name"] == "rex"
    assert got["file"] == upload("file", b"%PDF-1.7", "rex.pdf", "application/pdf")


async def test_per_part_encoding(client):
    form = raw_form(
        part("ids", "[1, 2, 3]", content_type="application/json"),  # contentType: the whole array as JSON
        part("point", '{"x": 4}'),  # an object: JSON by default
        part("label", '"quoted"', content_type="application/json"),  # a string, sent as JSON
        part("image", b"\x89PNG", content_type="image/png"),  # a binary contentType: a file
        part("records", '{"a": 1}'),  # an array of objects: one JSON part per item
        part("records", '{"b": 2}'),
    )
    got = await described(await client.post("/encoded", **form))
    assert got["ids"] == [1, 2, 3]
    assert got["point"] == {"x": 4}
    assert got["label"] == "quoted"
    assert got["image"] == upload("image", b"\x89PNG", "", "image/png")
    assert got["records"] == [{"a": 1}, {"b": 2}]


async def test_a_json_part_that_is_not_json_is_400(client):
    form = aiohttp.FormData()
    form.add_field("point", "{oops", content_type="application/json")
    form.add_field("ids", "1", content_type="application/json")  # one JSON item is a one-item array
    body = await problem(await client.post("/encoded", data=form))
    assert body["errors"] == [{"in": "body", "pointer": "/point", "message": "not valid JSON"}]


async def test_parts_are_files_by_schema_then_by_filename(client):
    form = raw_form(
        part("file", b"no filename"),  # format: binary: a file anyway
        part("text", b"a text file", filename="notes.txt", content_type="text/plain"),  # a string: text
        part("anything", b"picked", filename="any.bin"),  # any value: a file, as it has a filename
        part("extra", b"undeclared", filename="extra.bin"),
        part("plain", "undeclared text"),
    )
    got = await described(await client.post("/any", **form))
    assert got["file"] == upload("file", b"no filename", "")
    assert got["text"] == "a text file"
    assert got["anything"] == upload("anything", b"picked", "any.bin")
    # undeclared fields: in the body only (no argument of their own)
    assert "extra" not in got
    assert got["body"]["extra"] == upload("extra", b"undeclared", "extra.bin")
    assert got["body"]["plain"] == "undeclared text"


async def test_text_parts_in_their_charset_and_undecodable_text_is_400(client):
    file = part("file", b"x", filename="x")
    note = part("note", "zoë".encode("latin-1"), content_type="text/plain; charset=latin-1")
    got = await described(await client.post("/single", **raw_form(note, file)))
    assert got["note"] == "zoë"
    note = part("note", b"\xff\xfe", content_type="text/plain; charset=utf-8")
    body = await problem(await client.post("/single", **raw_form(note, file)))
    assert [error["pointer"] for error in body["errors"]] == ["/note"]
    assert body["errors"][0]["message"] == "not valid utf-8 text"


async def test_base64_transfer_encoded_file_is_decoded(client):
    file = part("file", b"aGVsbG8gYmFzZTY0", filename="b64.txt", content_transfer_encoding="base64")
    got = await described(await client.post("/single", **raw_form(file)))
    assert got["file"]["text"] == "hello base64"
    assert got["file"]["size"] == 12


async def test_a_media_range_for_multipart_reads_the_form(client):
    form = aiohttp.FormData()
    form.add_field("f", b"ranged", filename="r.bin")
    got = await described(await client.post("/only-files", data=form))
    # multipart/* is a range, not a form type: the fields are in the body, not arguments
    assert got["body"]["f"] == upload("f", b"ranged", "r.bin")


async def test_required_file_missing_is_400(client):
    body = await problem(await client.post("/single", **raw_form(part("note", "no file"))))
    assert body["errors"] == [{"in": "body", "pointer": "/file", "message": "required field is missing"}]


async def test_truncated_multipart_is_400(client):
    data = b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\npartial content'
    response = await client.post("/single", data=data, headers={"Content-Type": "multipart/form-data; boundary=xyz"})
    body = await problem(response)
    assert body["errors"][0]["message"].startswith("malformed multipart/form-data")


async def test_a_nameless_part_is_400(client):
    body = await problem(await client.post("/single", **raw_form(part(None, b"who am I"))))
    assert body["errors"] == [
        {"in": "body", "pointer": "", "message": "malformed multipart/form-data: a part has no name"}
    ]


# --- limits ---


async def test_a_file_over_max_upload_size_is_413(serve):
    client = await serve(document(PATHS), max_upload_size=1000)
    form = aiohttp.FormData()
    form.add_field("file", b"x" * 1001, filename="big.bin")
    body = await problem(await client.post("/single", data=form), 413)
    assert body["detail"] == "the uploaded files are larger than the 1000 bytes this API accepts"
    form = aiohttp.FormData()
    form.add_field("file", b"x" * 1000, filename="fits.bin")
    assert (await described(await client.post("/single", data=form)))["file"]["size"] == 1000


async def test_max_upload_size_bounds_all_files_of_a_request_together(serve):
    client = await serve(document(PATHS), max_upload_size=1000)
    form = aiohttp.FormData()
    form.add_field("a", b"x" * 600, filename="a.bin")
    form.add_field("b", b"x" * 600, filename="b.bin")
    body = await problem(await client.post("/many", data=form), 413)
    assert body["detail"] == "the uploaded files are larger than the 1000 bytes this API accepts"


async def test_files_do_not_count_against_client_max_size_but_fields_do(serve):
    client = await serve(document(PATHS), client_max_size=100, max_upload_size=10_000)
    form = aiohttp.FormData()
    form.add_field("file", b"x" * 5000, filename="a.bin")
    form.add_field("note", "short")
    assert (await described(await client.post("/single", data=form)))["file"]["size"] == 5000
    form = aiohttp.FormData()
    form.add_field("file", b"x", filename="a.bin")
    form.add_field("note", "y" * 101)
    body = await problem(await client.post("/single", data=form), 413)
    assert body["detail"] == "the form fields are larger than the 100 bytes this API accepts"


async def test_a_multipart_body_over_both_limits_is_refused_from_its_content_length(serve):
    client = await serve(document(PATHS), client_max_size=100, max_upload_size=1000)
    form = aiohttp.FormData()
    form.add_field("file", b"x" * 2000, filename="a.bin")
    body = await problem(await client.post("/single", data=form), 413)
    assert body["detail"] == "the request body is larger than the 1100 bytes this API accepts"


# --- closing ---


@pytest.fixture
def created(monkeypatch):
    """Every spooled file the multipart reader creates."""
    files: list[Any] = []

    def recording():
        file = spooled_file()
        files.append(file)
        return file

    monkeypatch.setattr(forms, "spooled_file", recording)
    return files


async def test_uploads_are_closed_after_the_response(client, created):
    handlers.KEPT.clear()
    form = aiohttp.FormData()
    add_file(form, "file", os.urandom(SPOOL_SIZE + 1), "disk.bin")
    form.add_field("files", b"small", filename="s1")
    form.add_field("files", b"small", filename="s2")
    got = await described(await client.post("/keep", data=form))
    assert got == {"open": [True, True, True]}  # open while the handler runs
    assert len(handlers.KEPT) == len(created) == 3
    assert all(upload.closed for upload in handlers.KEPT)
    assert all(file.closed for file in created)


async def test_uploads_are_closed_when_the_request_is_refused(client, created):
    form = aiohttp.FormData()
    add_file(form, "file", os.urandom(SPOOL_SIZE + 1), "disk.bin")
    form.add_field("count", "not a number")
    await problem(await client.post("/keep", data=form))
    raw = (
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="ok.bin"\r\n\r\ncomplete\r\n'
        b'--b\r\nContent-Disposition: form-data; name="files"; filename="b.bin"\r\n\r\ntruncated'
    )
    await problem(await client.post("/keep", data=raw, headers={"Content-Type": "multipart/form-data; boundary=b"}))
    assert len(created) == 3
    assert all(file.closed for file in created)


async def test_uploads_are_closed_when_one_is_too_large(serve, created):
    client = await serve(document(PATHS), max_upload_size=SPOOL_SIZE + 100)
    form = aiohttp.FormData()
    form.add_field("files", b"first", filename="1")
    add_file(form, "files", os.urandom(SPOOL_SIZE + 200), "2")  # on disk, then too large
    await problem(await client.post("/keep", data=form), 413)
    assert len(created) == 2
    assert all(file.closed for file in created)


# --- UploadedFile ---


def make_upload(content: bytes) -> UploadedFile:
    file = spooled_file()
    file.write(content)
    file.seek(0)
    headers = CIMultiDictProxy(CIMultiDict({"Content-Type": "text/plain"}))
    return UploadedFile("doc", "doc.txt", file, "text/plain", headers, len(content))


async def test_uploaded_file_helpers(tmp_path):
    upload_ = make_upload(b"some content")
    try:
        assert isinstance(upload_, FileField)  # code written for aiohttp's request.post() keeps working
        assert repr(upload_) == "<UploadedFile 'doc' filename='doc.txt' content_type='text/plain' size=12>"
        assert upload_.read(4) == b"some"
        assert await upload_.aread() == b" content"
        upload_.save(tmp_path / "a.txt")
        assert (tmp_path / "a.txt").read_bytes() == b"some content"
        await upload_.asave(str(tmp_path / "b.txt"))
        assert (tmp_path / "b.txt").read_bytes() == b"some content"
        target = io.BytesIO()
        upload_.save(target)
        assert target.getvalue() == b"some content"
        assert upload_.file.tell() == 0
        with pytest.raises(AttributeError):
            upload_.size = 3  # type: ignore[misc]
    finally:
        upload_.close()
    assert upload_.closed
