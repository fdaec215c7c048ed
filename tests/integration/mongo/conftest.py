"""Fixtures for the MongoDB modules: fake database tools (no MongoDB exists here)."""

from __future__ import annotations

import json

import pytest

from tests.support.fake_mongo import write_fake_tools

PASSWORD = "At1as-S3cret/p@ss"
URI = "mongodb+srv://backup:At1as-S3cret%2Fp%40ss@cluster0.example.invalid/app?retryWrites=true&w=majority"


class FakeMongo:
    def __init__(self, folder):
        self.folder = folder
        self.log = str(folder / "calls.jsonl")
        self.paths = write_fake_tools(str(folder))
        self.mode = "ok"

    def env(self):
        return {"FAKE_MONGO_LOG": self.log, "FAKE_MONGO_MODE": self.mode}

    def calls(self):
        try:
            with open(self.log, encoding="utf-8") as handle:
                return [json.loads(line) for line in handle]
        except FileNotFoundError:
            return []


@pytest.fixture
def fake_mongo(tmp_path):
    folder = tmp_path / "fakebin"
    folder.mkdir()
    return FakeMongo(folder)
