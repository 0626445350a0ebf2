"""FastAPI equivalent of openapi.yaml: pydantic models for the same constraints.

Started as FastAPI's docs show, under uvicorn with uvicorn's defaults (dev/bench):
``uvicorn benchapp.serve_fastapi:app --port P`` from dev/, with ``fastapi[standard]`` installed
(so uvicorn picks uvloop and httptools itself, and logs every request).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import FastAPI, Path, Query
from pydantic import BaseModel, ConfigDict, Field, field_validator

from benchapp import db
from benchapp.handlers import PET_ID

NAME = r"^[A-Za-z][A-Za-z '-]*$"
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
Species = Literal["dog", "cat", "bird", "fish"]


class Owner(BaseModel):
    name: str = Field(max_length=80)
    email: str = Field(pattern=EMAIL)


class Pet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=NAME, max_length=40)
    species: Species
    age: int = Field(ge=0, le=50)
    weight: float | None = Field(None, gt=0)
    birthday: dt.date | None = None
    registered: dt.datetime | None = None
    owner: Owner
    tags: list[str] | None = Field(None, max_length=5)
    microchip: str | None = Field(None, pattern=r"^[0-9]{15}$")
    vaccinated: bool | None = None
    notes: str | None = Field(None, max_length=500)

    @field_validator("tags")
    @classmethod
    def unique(cls, v: list[str] | None) -> list[str] | None:
        if v is not None and len(set(v)) != len(v):
            raise ValueError("tags must be unique")
        return v


class NewRow(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=NAME, max_length=40)
    species: Species
    age: int = Field(ge=0, le=50)
    weight: float | None = Field(None, gt=0)
    vaccinated: bool | None = None


# No return annotations: FastAPI would validate the answers against them (a response_model).
app = FastAPI()


@app.get("/hello/{name}")
async def hello(
    name: str = Path(max_length=40),
    greeting: Literal["hello", "hi", "hey"] = "hello",
    times: int = Query(1, ge=1, le=10),
):
    return {"message": " ".join([f"{greeting} {name}"] * times)}


@app.post("/pets", status_code=201)
async def create_pet(pet: Pet):
    return {"id": PET_ID, **pet.model_dump(mode="json", exclude_unset=True)}


@app.get("/db/pets")
async def list_rows(limit: int = Query(20, ge=1, le=100), offset: int = Query(0, ge=0)):
    return await db.list_rows(limit, offset)


@app.post("/db/pets", status_code=201)
async def insert_row(row: NewRow):
    return await db.insert_row(row.model_dump(exclude_unset=True))
