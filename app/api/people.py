"""Users and teams (../shared/api.md, "Users and teams"): administrators manage the council's
own people; a team manager reads their team and hands a leaver's work over."""
from __future__ import annotations

from flask.views import MethodView
from marshmallow import fields, validate

from app.api import schemas
from app.api.blueprint import ApiBlueprint
from app.api.errors import error_responses
from app.extensions import db
from app.models import User
from app.security import signed_in_user
from app.services import people
from app.services.errors import NotFound

blp = ApiBlueprint("people", __name__, url_prefix="/api/v1",
                   description="Users and teams (role administrator)")
_errors = error_responses(blp)


class TeamSchema(schemas.Schema):
    key = fields.String(required=True, validate=validate.Length(min=1, max=80))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    service = fields.String(allow_none=True, load_default=None,
                            validate=validate.Length(max=120),
                            attribute="service_key")


class UserSchema(schemas.Schema):
    username = fields.String(required=True)
    display_name = fields.String(required=True)
    email = fields.String(allow_none=True)
    team = fields.String(allow_none=True)
    service = fields.String(allow_none=True)
    roles = fields.Method("_roles", required=True)
    active = fields.Boolean(required=True)

    def _roles(self, user: User) -> list[str]:
        return sorted(user.role_keys)


class UserQuery(schemas.Schema):
    team = fields.String()
    role = fields.String()
    active = fields.Boolean()


class NewUser(schemas.Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=80))
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    email = fields.Email(allow_none=True, load_default=None)
    team = fields.String(allow_none=True, load_default=None)
    roles = fields.List(fields.String(), load_default=list, validate=validate.Length(max=50))
    password = fields.String(load_default=None, validate=validate.Length(max=200))


class UserChange(schemas.Schema):
    display_name = fields.String(validate=validate.Length(min=1, max=120))
    email = fields.Email(allow_none=True)
    team = fields.String(allow_none=True)
    roles = fields.List(fields.String(), validate=validate.Length(max=50))
    active = fields.Boolean()


class Handover(schemas.Schema):
    to = fields.String(required=True)


class Moved(schemas.Schema):
    moved = fields.Integer(required=True)


@blp.route("/teams")
class Teams(MethodView):
    @blp.response(200, TeamSchema(many=True))
    @_errors(401)
    def get(self):
        """Every team, with its service."""
        signed_in_user()
        return people.list_teams()

    @blp.arguments(TeamSchema)
    @blp.response(201, TeamSchema)
    @_errors(401, 403, 409, 422)
    def post(self, body):
        """Make a team in a service (administrator)."""
        team = people.create_team(signed_in_user(), body["key"], body["name"],
                                  body.get("service_key"))
        db.session.commit()
        return team


@blp.route("/users")
class Users(MethodView):
    @blp.arguments(UserQuery, location="query")
    @blp.response(200, UserSchema(many=True))
    @_errors(401, 403, 422)
    def get(self, args):
        """People (administrator; a team manager reads their own team)."""
        return people.list_users(signed_in_user(), args.get("team"), args.get("role"),
                                 args.get("active"))

    @blp.arguments(NewUser)
    @blp.response(201, UserSchema)
    @_errors(401, 403, 409, 422)
    def post(self, body):
        """Add a person (administrator)."""
        user = people.create_user(signed_in_user(), body)
        db.session.commit()
        return user


@blp.route("/users/<string:username>")
class OneUser(MethodView):
    @blp.arguments(UserChange)
    @blp.response(200, UserSchema)
    @_errors(401, 403, 404, 409, 422)
    def patch(self, body, username):
        """Change a person's name, email, team, roles, or deactivate and reactivate them
        (administrator). Deactivating ends their sessions and tokens at once and returns
        their open tasks to their role's queue."""
        user = people.update_user(signed_in_user(), username, body)
        db.session.commit()
        return user


@blp.route("/users/<string:username>/handover")
class HandOver(MethodView):
    @blp.arguments(Handover)
    @blp.response(200, Moved)
    @_errors(401, 403, 404, 422)
    def post(self, body, username):
        """Give every open task the person holds to someone else (their team manager or an
        administrator)."""
        actor = signed_in_user()
        if people.get(username) is None:
            raise NotFound("No such person")
        moved = people.handover(actor, username, body["to"])
        db.session.commit()
        return {"moved": moved}
