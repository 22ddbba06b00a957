import pytest

from triage.models import Ticket


@pytest.mark.django_db
def test_public_form_creates_a_ticket(client):
    assert client.get("/support/new").status_code == 200
    response = client.post(
        "/support/new",
        {
            "name": "Ann",
            "email": "ann@x.example",
            "subject": "Logo",
            "message": "How do I add my logo to invoices?",
            "website": "",
        },
    )
    assert response.status_code == 201
    ticket = Ticket.objects.get()
    assert ticket.channel == "web_form" and f"#{ticket.pk}" in response.content.decode()


@pytest.mark.parametrize(
    "data,error",
    [
        (
            {"name": "Ann", "email": "not-an-email", "subject": "s", "message": "three words here"},
            "valid email",
        ),
        (
            {"name": "Ann", "email": "a@x.example", "subject": "s", "message": "hi"},
            "describe the problem",
        ),
        (
            {
                "name": "Bot",
                "email": "a@x.example",
                "subject": "s",
                "message": "buy cheap things now",
                "website": "spam.example",
            },
            "leave this field empty",
        ),
    ],
)
@pytest.mark.django_db
def test_bad_form_input_rerenders_with_422(client, data, error):
    response = client.post("/support/new", data)
    assert response.status_code == 422
    assert error in response.content.decode()
    assert Ticket.objects.count() == 0
