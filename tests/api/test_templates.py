from __future__ import annotations

from testkit.api import register


async def test_templates_list_the_ten_themes_in_order(app_client, seeded) -> None:  # noqa: ANN001
    headers = await register(app_client)
    response = await app_client.get("/api/templates", headers=headers)
    assert response.status_code == 200
    templates = response.json()
    assert [t["theme"] for t in templates] == [t.theme for t in seeded]
    family = templates[0]
    assert family["name"] == "Сімейний" and family["color_scheme"] == ["#FFE5E5", "#FFC4C4", "#FFD4D4"]
    assert family["price"] > 0 and family["currency"] == "UAH"

    one = await app_client.get(f"/api/templates/{family['id']}", headers=headers)
    assert one.status_code == 200 and one.json() == family


async def test_unknown_template_is_404(app_client, seeded) -> None:  # noqa: ANN001
    headers = await register(app_client)
    response = await app_client.get("/api/templates/999", headers=headers)
    assert response.status_code == 404 and response.json()["code"] == "not_found" and "999" in response.json()["detail"]
