def test_label_add(api):
    r = api.call("label/add", labelName="x")
    assert r["statusCode"] == 200, r
    assert r["result"] is True
    assert r["info"]["data"]["labelName"] == "x"
