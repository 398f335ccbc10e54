"""The benchmarks' floor: a bare FastAPI endpoint, served by the same uvicorn as the emulator.
It reads the same form body as userinfo/get and answers a small JSON envelope."""

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

app = FastAPI()


@app.post("/bare")
async def bare(request: Request):
    await request.body()
    return JSONResponse({"result": True, "statusCode": 200, "message": "请求成功", "info": {}})


@app.get("/health")
async def health():
    return {"ok": True}
