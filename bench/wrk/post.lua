-- POST with the body in WRK_BODY (headers come from wrk -H): the same
-- request every time, as a hand-written wrk.body would be.
wrk.method = "POST"
wrk.body = os.getenv("WRK_BODY") or error("post.lua: WRK_BODY is not set")
