"""The console's web application: the JSON API under ``/api/v1`` and the pages.

:func:`create_app` takes any :class:`~agent.console.backend.ConsoleBackend`, so the same
application serves the in-process agent and the ROS console bridge. The OpenAPI description is
at ``/api/v1/openapi.json``; the pages (plain HTML, CSS and JavaScript, no build step, no
external asset) are under ``/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Body, FastAPI, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from pepa.agent.console.backend import (
    CameraView,
    ConflictError,
    ConsoleBackend,
    DayGlance,
    Directory,
    FloorInfo,
    LiveStatus,
    MemoryHit,
    MemorySearch,
    NotFoundError,
    PersonalityView,
    ReflectionBrief,
    ReflectionDay,
    RefusedError,
    TrailPoint,
)
from pepa.agent.console.camera_view import MAX_WIDTH, MIN_WIDTH
from pepa.agent.console.events import stream
from pepa.agent.console.security import COOKIE, ConsoleGate, token_matches
from pepa.agent.console.settings import ConsoleSettings
from pepa.messages import Experience, RequestPriority, UserRequest

API = "/api/v1"
STATIC_DIR = Path(__file__).with_name("static")
IdPath = Annotated[str, PathParam(pattern=r"^[A-Za-z0-9_.:-]{1,80}$", description="an id")]
DayPath = Annotated[int, PathParam(ge=0, le=100_000)]
FloorPath = Annotated[int, PathParam(ge=-200, le=200, description="a level; basements < 0")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class NewRequest(_Body):
    """A request in plain words, optionally addressed to a place or a person."""

    text: str = Field(min_length=1, max_length=UserRequest.MAX_TEXT)
    place: str | None = Field(default=None, max_length=64)
    person: str | None = Field(default=None, max_length=64)
    priority: RequestPriority = RequestPriority.NORMAL


class FeedbackIn(_Body):
    text: str = Field(min_length=1, max_length=4000)


class FeedbackOut(BaseModel):
    day: int
    feedback: list[str]


class SwitchPersonality(_Body):
    name: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z][A-Za-z0-9_-]*$")
    reason: str = Field(default="", max_length=500)
    confirm: bool = Field(description="must be true: switching changes how the robot behaves")


class SessionIn(_Body):
    token: str = Field(min_length=1, max_length=512)


class Health(BaseModel):
    ok: bool
    token_required: bool


def _problems(exc: RequestValidationError | ValidationError) -> list[dict[str, str]]:
    out = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path")]
        out.append({"field": ".".join(loc) or "body", "problem": str(err.get("msg", "invalid"))})
    return out


def _install_errors(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = _problems(exc)
        first = problems[0] if problems else {"field": "body", "problem": "invalid"}
        return JSONResponse(
            {"error": f"{first['field']}: {first['problem']}", "problems": problems},
            status_code=422,
        )

    @app.exception_handler(NotFoundError)
    async def _missing(_: Request, exc: NotFoundError) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=404)

    @app.exception_handler(ConflictError)
    async def _conflict(_: Request, exc: ConflictError) -> JSONResponse:
        return JSONResponse(
            {"error": exc.problem, "problems": [{"field": exc.field, "problem": exc.problem}]},
            status_code=409,
        )

    @app.exception_handler(RefusedError)
    async def _refused(_: Request, exc: RefusedError) -> JSONResponse:
        return JSONResponse(
            {"error": str(exc), "problems": [{"field": exc.field, "problem": exc.problem}]},
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code)


def _api(backend: ConsoleBackend, settings: ConsoleSettings) -> APIRouter:
    r = APIRouter(prefix=API)
    call = run_in_threadpool  # backends block (locks, ChromaDB): keep them off the event loop

    @r.get("/health", tags=["session"])
    async def health() -> Health:
        """Whether the console answers and whether it asks for a token (needs none itself)."""
        return Health(ok=True, token_required=settings.needs_token)

    @r.post("/session", status_code=204, tags=["session"])
    async def open_session(body: SessionIn, response: Response) -> Response:
        """Trade the token for an HttpOnly same-site cookie (so the event stream can use it)."""
        expected = settings.token.get_secret_value() if settings.token is not None else None
        if expected is not None and not token_matches(expected, body.token):
            return JSONResponse(
                {
                    "error": "the console token is wrong",
                    "problems": [{"field": "token", "problem": "wrong token"}],
                },
                status_code=401,
            )
        response.status_code = 204
        if expected is not None:
            response.set_cookie(
                COOKIE, expected, httponly=True, samesite="strict", path="/", max_age=7 * 86400
            )
        return response

    @r.delete("/session", status_code=204, tags=["session"])
    async def close_session(response: Response) -> Response:
        response.delete_cookie(COOKIE, path="/")
        response.status_code = 204
        return response

    # --- live --------------------------------------------------------------------------------

    @r.get("/status", tags=["live"])
    async def status() -> LiveStatus:
        """The robot now: pose, battery, goal, decision, plan, people, elevators, time."""
        return await call(backend.status)

    @r.get("/floors", tags=["live"])
    async def floors() -> list[FloorInfo]:
        return await call(backend.floors)

    @r.get(
        "/floors/{floor}/map.png",
        tags=["live"],
        response_class=Response,
        responses={200: {"content": {"image/png": {}}}},
    )
    async def floor_map(floor: FloorPath) -> Response:
        """The floor's static map; the page draws the robot, people and elevators on it."""
        png = await call(backend.floor_map_png, floor)
        return Response(png, media_type="image/png", headers={"cache-control": "max-age=3600"})

    @r.get("/camera", tags=["live"])
    async def camera(
        width: Annotated[int, Query(ge=MIN_WIDTH, le=MAX_WIDTH, description="pixels")] = 320,
    ) -> CameraView:
        """The latest camera frame (JPEG, at most ``width`` wide) and the markers detected in it.
        Frames are made at the agent's pace: asking more often returns the same frame."""
        return await call(backend.camera, width)

    @r.get("/trail", tags=["live"])
    async def trail(
        seconds: Annotated[float, Query(gt=0, le=86_400, description="simulated")] = 3600.0,
        floor: Annotated[int | None, Query(ge=-200, le=200)] = None,
    ) -> list[TrailPoint]:
        """Where the robot went in the last ``seconds`` (on ``floor`` only, when given)."""
        if floor is not None and floor not in {f.floor for f in await call(backend.floors)}:
            raise NotFoundError("floor", floor)
        points = await call(backend.trail, seconds)
        return points if floor is None else [p for p in points if p.floor == floor]

    @r.get("/days/{day}/glance", tags=["live", "reflections"])
    async def glance(day: DayPath) -> DayGlance:
        """The day at a glance: activities by category, requests, time per place, battery."""
        return await call(backend.day_glance, day)

    @r.get("/directory", tags=["requests"])
    async def directory() -> Directory:
        """Known places and people a request may be addressed to."""
        return await call(backend.directory)

    @r.get("/events", tags=["live"], response_class=StreamingResponse)
    async def events(request: Request) -> StreamingResponse:
        """Server-sent events: ``status``, ``request``, ``reflection``, ``feedback``,
        ``personality``; each ``data`` is the JSON of the changed object."""
        return StreamingResponse(
            stream(backend, settings.event_queue, settings.heartbeat_s, request.is_disconnected),
            media_type="text/event-stream",
            headers={"x-accel-buffering": "no"},
        )

    # --- requests ----------------------------------------------------------------------------

    @r.get("/requests", tags=["requests"])
    async def list_requests() -> list[UserRequest]:
        """Every request, newest first, with its state, reason and history."""
        return await call(backend.requests)

    @r.post("/requests", status_code=201, tags=["requests"])
    async def submit(body: NewRequest) -> UserRequest:
        return await call(
            backend.submit_request, body.text, body.place, body.person, body.priority
        )

    @r.get("/requests/{request_id}", tags=["requests"])
    async def get_request(request_id: IdPath) -> UserRequest:
        return await call(backend.request, request_id)

    @r.post("/requests/{request_id}/cancel", tags=["requests"])
    async def cancel(request_id: IdPath) -> UserRequest:
        return await call(backend.cancel_request, request_id)

    # --- memory ------------------------------------------------------------------------------

    @r.get("/memory/search", tags=["memory"])
    async def search(
        text: Annotated[str | None, Query(max_length=500)] = None,
        place: Annotated[str | None, Query(max_length=64)] = None,
        floor: Annotated[int | None, Query(ge=-200, le=200)] = None,
        start: Annotated[float | None, Query(ge=0, description="simulated seconds")] = None,
        end: Annotated[float | None, Query(ge=0, description="simulated seconds")] = None,
        k: Annotated[int, Query(ge=1, le=100)] = 20,
    ) -> list[MemoryHit]:
        """Episodes by meaning (text), place (room or floor) and/or a time window."""
        try:
            q = MemorySearch(text=text, place=place, floor=floor, start=start, end=end, k=k)
        except ValidationError as exc:
            raise RequestValidationError(exc.errors()) from None
        return await call(backend.search_memory, q)

    @r.get("/memory/episodes/{episode_id}", tags=["memory"])
    async def episode(episode_id: IdPath) -> Experience:
        return await call(backend.episode, episode_id)

    # --- reflections -------------------------------------------------------------------------

    @r.get("/reflections", tags=["reflections"])
    async def reflections() -> list[ReflectionBrief]:
        """The reflected days, newest first."""
        return await call(backend.reflection_days)

    @r.get("/reflections/{day}", tags=["reflections"])
    async def reflection(day: DayPath) -> ReflectionDay:
        """A day's reflection, what changed from the day before, and its reviewer notes."""
        return await call(backend.reflection, day)

    @r.post("/reflections/{day}/feedback", tags=["reflections"])
    async def feedback(day: DayPath, body: FeedbackIn) -> FeedbackOut:
        """A reviewer's note on the day; Sys3 takes it into account when it next reflects."""
        notes = await call(backend.write_feedback, day, body.text)
        return FeedbackOut(day=day, feedback=notes)

    # --- personality -------------------------------------------------------------------------

    @r.get("/personality", tags=["personality"])
    async def personality() -> PersonalityView:
        return await call(backend.personality)

    @r.get("/personalities", tags=["personality"])
    async def personalities() -> list[PersonalityView]:
        return await call(backend.personalities)

    @r.post("/personality", tags=["personality"])
    async def switch(body: Annotated[SwitchPersonality, Body()]) -> PersonalityView:
        """Switch the robot's personality (recorded as an event in its memory)."""
        if not body.confirm:
            raise RefusedError("confirm", "switching the personality needs confirm: true")
        return await call(backend.switch_personality, body.name, body.reason)

    return r


def create_app(backend: ConsoleBackend, settings: ConsoleSettings | None = None) -> FastAPI:
    """The console application over ``backend``."""
    settings = settings or ConsoleSettings()
    app = FastAPI(
        title="PEPA console",
        version="1",
        description="Talk to the robot and review its days.",
        openapi_url=f"{API}/openapi.json",
        docs_url=None,  # the stock docs pages load scripts from a CDN; the console allows none
        redoc_url=None,
    )
    _install_errors(app)
    app.include_router(_api(backend, settings))

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.state.backend = backend
    app.state.settings = settings
    app.add_middleware(ConsoleGate, settings=settings)
    return app
