"""Fake Trello, the routes: members, boards, lists, cards, actions, comments, labels, custom fields
(see fake_trello.py for auth, errors and the list of what is served)."""

import re

from ticketing_common import ApiError, parse_time, text_reply

CARD_FIELDS = ["badges", "closed", "dateLastActivity", "desc", "due", "dueComplete", "start", "idBoard",
               "idLabels", "idList", "idMembers", "idShort", "labels", "name", "pos", "shortLink", "shortUrl", "url"]
BOARD_FIELDS = ["name", "desc", "closed", "idOrganization", "shortLink", "shortUrl", "url"]
LIST_FIELDS = ["name", "closed", "pos", "idBoard", "subscribed"]
ACTION_FIELDS = ["data", "date", "idMemberCreator", "type"]
ACTION_TYPES = {"createCard", "updateCard", "commentCard", "deleteCard", "updateCustomFieldItem",
                "addLabelToCard", "removeLabelFromCard", "copyCard", "createList", "updateList"}
COLORS = {"yellow", "purple", "blue", "red", "green", "orange", "black", "sky", "pink", "lime"}
CARD_PARAMS = ["fields", "customFieldItems", "members", "checklists", "attachments"]
ACTION_PARAMS = ["filter", "since", "before", "limit", "page", "fields", "memberCreator", "memberCreator_fields"]


def fail(status, text):
    """Answer at once with Trello's text/plain error."""
    raise ApiError(text_reply(status, text))


# --- rendering -------------------------------------------------------------------------------------

def list_ref(api, lid):
    lst = next(lst for lst in api.state["lists"] if lst["id"] == lid)
    return {"id": lst["id"], "name": lst["name"]}


def member_json(m):
    return {"id": m["id"], "username": m["username"], "fullName": m["fullName"], "initials": m["initials"]}


def render_card(api, c, fields=None):
    comments = sum(1 for a in api.state["actions"] if a["type"] == "commentCard" and a["data"]["card"]["id"] == c["id"])
    slug = re.sub(r"[^a-z0-9]+", "-", c["name"].lower()).strip("-")
    due = api.time(c["due"])
    full = {"badges": {"comments": comments, "attachments": 0, "checkItems": 0, "checkItemsChecked": 0, "due": due,
                       "dueComplete": c["dueComplete"]},
            "closed": c["closed"], "dateLastActivity": api.time(c["dateLastActivity"]), "desc": c["desc"], "due": due,
            "dueComplete": c["dueComplete"], "start": api.time(c["start"]), "idBoard": c["idBoard"],
            "idLabels": c["idLabels"], "idList": c["idList"], "idMembers": c["idMembers"], "idShort": c["idShort"],
            "labels": [dict(lab) for lab in api.state["labels"] if lab["id"] in c["idLabels"]], "name": c["name"],
            "pos": c["pos"], "shortLink": c["shortLink"], "shortUrl": "https://trello.com/c/" + c["shortLink"],
            "url": "https://trello.com/c/%s/%d-%s" % (c["shortLink"], c["idShort"], slug)}
    out = {"id": c["id"]}
    for f in fields if fields is not None else api.p_fields(CARD_FIELDS, "all"):
        out[f] = full[f]
    if api.p_bool("customFieldItems"):
        out["customFieldItems"] = [render_item(c, i) for i in c["customFieldItems"]]
    if api.p_bool("members"):
        out["members"] = [member_json(m) for m in api.state["members"] if m["id"] in c["idMembers"]]
    if api.params.get("checklists") not in (None, "none"):
        out["checklists"] = []
    if api.p_bool("attachments"):
        out["attachments"] = []
    return out


def render_item(card, item):
    out = {"id": item["id"], "idCustomField": item["idCustomField"], "idModel": card["id"], "modelType": "card"}
    out.update({"idValue": item["idValue"]} if "idValue" in item else {"value": item["value"]})
    return out


def render_action(api, a, fields):
    out = {"id": a["id"]}
    full = {"data": a["data"], "date": api.time(a["date"]), "idMemberCreator": a["idMemberCreator"], "type": a["type"]}
    for f in fields:
        out[f] = full[f]
    out["limits"] = {}
    if api.p_bool("memberCreator", True):
        m = next((m for m in api.state["members"] if m["id"] == a["idMemberCreator"]), None)
        out["memberCreator"] = member_json(m) if m else None
    return out


def record(api, kind, card, extra, date=None):
    """Append an action about `card` to the feed."""
    date = api.now() if date is None else date
    b = api.board(card["idBoard"])
    data = {"card": {"id": card["id"], "name": card["name"], "idShort": card["idShort"], "shortLink": card["shortLink"]},
            "board": {"id": b["id"], "name": b["name"], "shortLink": b["shortLink"]}}
    data.update(extra)
    a = {"id": api.oid(date), "idMemberCreator": (api.member or api.state["members"][0])["id"], "type": kind,
         "date": date, "data": data}
    api.state["actions"].append(a)
    api.changed()
    return a


# --- paging ----------------------------------------------------------------------------------------

def bound(api, name):
    """since/before: an object id or a date; (id, ms) with one of them set, or None."""
    value = api.params.get(name)
    if value in (None, "", "null"):
        return None
    if re.fullmatch(r"[0-9a-f]{24}", str(value)):
        return (value, None)
    try:
        return (None, parse_time(str(value)))
    except ValueError:
        fail(400, "invalid value for %s" % name)


def after(bnd, oid, ms):
    return bnd is None or (oid > bnd[0] if bnd[0] else ms > bnd[1])


def before(bnd, oid, ms):
    return bnd is None or (oid < bnd[0] if bnd[0] else ms < bnd[1])


def page_by_id(api, rows, ms_of, default_limit):
    """Newest first, `since`/`before` exclusive, then `page` * `limit` skipped and `limit` kept."""
    since, until = bound(api, "since"), bound(api, "before")
    limit = api.p_int("limit", default_limit, 0, 1000)
    page = api.p_int("page", 0, 0, 1000000)
    rows = [r for r in rows if after(since, r["id"], ms_of(r)) and before(until, r["id"], ms_of(r))]
    rows.sort(key=lambda r: r["id"], reverse=True)
    return rows[page * limit:page * limit + limit]


# --- reads -----------------------------------------------------------------------------------------

def members_me(api):
    fields = api.p_fields(["username", "fullName", "initials", "idBoards", "url"], "all")
    m = api.member
    full = dict(member_json(m), idBoards=[b["id"] for b in api.state["boards"] if m["id"] in b["members"]],
                url="https://trello.com/" + m["username"])
    return api.ok(dict({"id": m["id"]}, **{f: full[f] for f in fields}))


def render_board(api, b, fields):
    full = {"name": b["name"], "desc": b["desc"], "closed": b["closed"], "idOrganization": None,
            "shortLink": b["shortLink"], "shortUrl": "https://trello.com/b/" + b["shortLink"],
            "url": "https://trello.com/b/%s/%s" % (b["shortLink"], re.sub(r"[^a-z0-9]+", "-", b["name"].lower()))}
    return dict({"id": b["id"]}, **{f: full[f] for f in fields})


def members_me_boards(api):
    fields = api.p_fields(BOARD_FIELDS, "all")
    flt = api.params.get("filter", "all")
    if flt not in ("all", "open", "closed", "members"):
        fail(400, "invalid value for filter")
    boards = [b for b in api.state["boards"] if api.member["id"] in b["members"]
              and (flt in ("all", "members") or b["closed"] == (flt == "closed"))]
    return api.ok([render_board(api, b, fields) for b in boards])


def board_get(api, bid):
    return api.ok(render_board(api, api.find("boards", bid, True), api.p_fields(BOARD_FIELDS, "all")))


def board_lists(api, bid):
    b = api.find("boards", bid, True)
    fields = api.p_fields(LIST_FIELDS, "all")
    flt = api.params.get("filter", "open")
    if flt not in ("all", "open", "closed", "none"):
        fail(400, "invalid value for filter")
    rows = [lst for lst in api.state["lists"] if lst["idBoard"] == b["id"] and flt != "none"
            and (flt == "all" or lst["closed"] == (flt == "closed"))]
    full = lambda lst: dict(lst, subscribed=False)  # noqa: E731
    return api.ok([dict({"id": lst["id"]}, **{f: full(lst)[f] for f in fields}) for lst in sorted(rows, key=lambda x: x["pos"])])


def card_filter(api, c, flt):
    list_closed = next(lst for lst in api.state["lists"] if lst["id"] == c["idList"])["closed"]
    return {"all": True, "none": False, "closed": c["closed"], "open": not c["closed"],
            "visible": not c["closed"] and not list_closed, "complete": not c["closed"] and c["dueComplete"],
            "incomplete": not c["closed"] and not c["dueComplete"]}[flt]


def card_list(api, rows):
    fields = api.p_fields(CARD_FIELDS, "all")
    if any(k in api.params for k in ("limit", "before", "since")):  # [U] paging by card id
        rows = page_by_id(api, rows, lambda c: api.created_ms(c["id"]), 1000)
    else:
        pos = {lst["id"]: lst["pos"] for lst in api.state["lists"]}
        rows = sorted(rows, key=lambda c: (pos[c["idList"]], c["pos"]))
    return api.ok([render_card(api, c, fields) for c in rows])


def board_cards(api, bid, flt=None):
    b = api.find("boards", bid, True)
    if flt is not None and flt not in ("all", "closed", "complete", "incomplete", "none", "open", "visible"):
        fail(400, "invalid value for filter")
    return card_list(api, [c for c in api.state["cards"] if c["idBoard"] == b["id"] and card_filter(api, c, flt or "visible")])


def list_cards(api, lid):
    lst = api.find("lists", lid)
    flt = api.params.get("filter", "open")
    if flt not in ("all", "open", "closed", "none"):
        fail(400, "invalid value for filter")
    return card_list(api, [c for c in api.state["cards"] if c["idList"] == lst["id"] and card_filter(api, c, flt)])


def board_labels(api, bid):
    b = api.find("boards", bid, True)
    fields = api.p_fields(["idBoard", "name", "color"], "all")
    limit = api.p_int("limit", 50, 0, 1000)
    rows = [lab for lab in api.state["labels"] if lab["idBoard"] == b["id"]][:limit]
    return api.ok([dict({"id": lab["id"]}, **{f: lab[f] for f in fields}) for lab in rows])


def board_custom_fields(api, bid):
    b = api.find("boards", bid, True)
    return api.ok([dict(cf, modelType="board", pos=16384 * (n + 1), display={"cardFront": True})
                   for n, cf in enumerate(x for x in api.state["customFields"] if x["idModel"] == b["id"])])


def actions(api, rows, default_filter):
    flt = str(api.params.get("filter", default_filter))
    wanted = [f.strip() for f in flt.split(",") if f.strip()]
    for f in wanted:
        kind, _, attr = f.partition(":")
        if f != "all" and kind not in ACTION_TYPES:
            fail(400, "invalid value for filter")

    def match(a):
        for f in wanted:
            kind, _, attr = f.partition(":")  # updateCard:idList [U]: an updateCard changing idList
            if f == "all" or (a["type"] == kind and (not attr or attr in a["data"].get("old", {}))):
                return True
        return False
    fields = api.p_fields(ACTION_FIELDS, "all")
    rows = page_by_id(api, [a for a in rows if match(a)], lambda a: a["date"],
                      int(api.state["config"].get("actions_default_limit", 50)))
    return api.ok([render_action(api, a, fields) for a in rows])


def board_actions(api, bid):
    b = api.find("boards", bid, True)
    return actions(api, [a for a in api.state["actions"] if a["data"].get("board", {}).get("id") == b["id"]], "all")


def list_actions(api, lid):
    lst = api.find("lists", lid)
    return actions(api, [a for a in api.state["actions"] if lst["id"] in (
        a["data"].get("list", {}).get("id"), a["data"].get("listBefore", {}).get("id"),
        a["data"].get("listAfter", {}).get("id"))], "all")


def card_get(api, cid):
    return api.ok(render_card(api, api.find("cards", cid, True)))


def card_actions(api, cid):
    c = api.find("cards", cid, True)
    return actions(api, [a for a in api.state["actions"] if a["data"].get("card", {}).get("id") == c["id"]],
                   "commentCard,updateCard:idList")


def card_items(api, cid):
    c = api.find("cards", cid, True)
    return api.ok([render_item(c, i) for i in c["customFieldItems"]])


def routes():
    from fake_trello_write import routes as write_routes
    return [
        ("GET", r"/members/me", members_me, ["fields"]),
        ("GET", r"/members/me/boards", members_me_boards, ["filter", "fields"]),
        ("GET", r"/boards/(?P<bid>[^/]+)", board_get, ["fields"]),
        ("GET", r"/boards/(?P<bid>[^/]+)/lists", board_lists, ["filter", "fields"]),
        ("GET", r"/boards/(?P<bid>[^/]+)/cards", board_cards, CARD_PARAMS + ["limit", "before", "since"]),
        ("GET", r"/boards/(?P<bid>[^/]+)/cards/(?P<flt>[^/]+)", board_cards, CARD_PARAMS + ["limit", "before", "since"]),
        ("GET", r"/boards/(?P<bid>[^/]+)/labels", board_labels, ["fields", "limit"]),
        ("GET", r"/boards/(?P<bid>[^/]+)/customFields", board_custom_fields, []),
        ("GET", r"/boards/(?P<bid>[^/]+)/actions", board_actions, ACTION_PARAMS),
        ("GET", r"/lists/(?P<lid>[^/]+)/actions", list_actions, ACTION_PARAMS),
        ("GET", r"/lists/(?P<lid>[^/]+)/cards", list_cards, CARD_PARAMS + ["filter", "limit", "before", "since"]),
        ("GET", r"/cards/(?P<cid>[^/]+)", card_get, CARD_PARAMS),
        ("GET", r"/cards/(?P<cid>[^/]+)/actions", card_actions, ACTION_PARAMS),
        ("GET", r"/cards/(?P<cid>[^/]+)/customFieldItems", card_items, []),
    ] + write_routes()
