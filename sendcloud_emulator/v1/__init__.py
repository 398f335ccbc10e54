"""The legacy v1 WEBAPI door (`/webapi/<module>.<action>.json`, v1.md).

A second wire format onto the v2 actions: `wire` translates parameters and renders replies,
`actions` declares each v1 action as data (its v2 twin, v1 → v2 parameter names, reply fields),
`door` is the HTTP endpoint. The rules are the v2 ones: every v1 action runs its twin's handler
(or the twin's parameter readers and domain functions) in the same one-transaction pipeline.
"""
