"""Fake Trello, the writes: create/update/delete cards, comments, labels, custom field items (see
fake_trello.py). Every change is recorded in the action feed as Trello does: createCard,
updateCard (data.old; a move has listBefore/listAfter), commentCard (data.text), deleteCard,
addLabelToCard/removeLabelFromCard and updateCustomFieldItem [U: action type name]."""

import re

from fake_trello_cards import CARD_FIELDS, COLORS, fail, list_ref, record, render_action, render_card, render_item
from ticketing_common import parse_time

OID = re.compile(r"^[0-9a-f]{24}$")
CREATE = ["idList", "name", "desc", "pos", "due", "start", "dueComplete", "idMembers", "idLabels", "urlSource",
          "idCardSource", "keepFromSource"]
UPDATE = ["name", "desc", "closed", "idMembers", "idList", "idLabels", "idBoard", "pos", "due", "start",
          "dueComplete", "subscribed"]


def p_str(api, name, default, maxlen=16384):
    value = api.params.get(name, default)
    if not isinstance(value, str) or len(value) > maxlen:  # [U] 16,384 characters for desc
        fail(400, "invalid value for %s" % name)
    return value


def p_ids(api, name, valid):
    value = api.params.get(name)
    if value is None:
        return None
    items = value if isinstance(value, list) else [x for x in str(value).split(",") if x]
    if not all(isinstance(x, str) and x in valid for x in items):
        fail(400, "invalid value for %s" % name)
    return list(dict.fromkeys(items))


def p_pos(api, siblings, default="bottom"):
    value = api.params.get("pos", default)
    positions = [c["pos"] for c in siblings]
    if value in ("top", "bottom"):
        pos = (min(positions) / 2 if value == "top" else max(positions) + 16384) if positions else 16384
        return int(pos) if pos == int(pos) else pos
    try:
        pos = float(value)
    except (TypeError, ValueError):
        fail(400, "invalid value for pos")
    if pos <= 0:
        fail(400, "invalid value for pos")
    return int(pos) if pos == int(pos) else pos


def board_of_list(api, lid, name="idList"):
    lst = next((lst for lst in api.state["lists"] if isinstance(lid, str) and lst["id"] == lid), None)
    if lst is None or not OID.match(lid):
        fail(400, "invalid value for %s" % name)
    if api.member["id"] not in api.board(lst["idBoard"])["members"]:
        fail(401, "unauthorized permission requested")  # [U]
    return lst


def card_create(api):
    lst = board_of_list(api, api.params.get("idList"))
    board = lst["idBoard"]
    source = None
    if api.params.get("idCardSource"):
        source = api.find("cards", str(api.params["idCardSource"]), True)
    now = api.now()
    siblings = [c for c in api.state["cards"] if c["idList"] == lst["id"]]
    card = {"id": api.oid(now), "idBoard": board, "idList": lst["id"],
            "name": p_str(api, "name", source["name"] if source else ""),
            "desc": p_str(api, "desc", source["desc"] if source else ""), "pos": p_pos(api, siblings),
            "closed": False, "due": api.p_date("due"), "start": api.p_date("start"),
            "dueComplete": bool(api.p_bool("dueComplete", False)),
            "idLabels": p_ids(api, "idLabels", [x["id"] for x in api.state["labels"] if x["idBoard"] == board])
            or (list(source["idLabels"]) if source else []),
            "idMembers": p_ids(api, "idMembers", api.board(board)["members"]) or [],
            "dateLastActivity": now, "customFieldItems": [],
            "idShort": 1 + max([c["idShort"] for c in api.state["cards"] if c["idBoard"] == board] + [0])}
    card["shortLink"] = api.short(card["id"])
    api.state["cards"].append(card)
    record(api, "createCard", card, {"list": list_ref(api, lst["id"])}, now)
    # The response is the card, with status 200 [U: 200, not 201, as documented].
    return api.ok(dict(render_card(api, card, CARD_FIELDS), attachments=[], stickers=[], checklists=[], limits={}))


def card_update(api, cid):
    card = api.find("cards", cid, True)
    new = {}
    for name in ("name", "desc"):
        if name in api.params:
            new[name] = p_str(api, name, None)
    for name in ("closed", "dueComplete"):
        if name in api.params:
            new[name] = api.p_bool(name)
    for name in ("due", "start"):
        if name in api.params:
            new[name] = api.p_date(name)
    api.p_bool("subscribed")
    board = card["idBoard"]
    if "idBoard" in api.params and api.params["idBoard"] != board:
        target = api.find("boards", str(api.params["idBoard"]))
        if "idList" not in api.params:
            fail(400, "invalid value for idList")
        board = target["id"]
    if "idList" in api.params:
        lst = board_of_list(api, api.params["idList"])
        if lst["idBoard"] != board:
            fail(400, "invalid value for idList")
        new["idList"] = lst["id"]
    if "idLabels" in api.params:
        new["idLabels"] = p_ids(api, "idLabels", [x["id"] for x in api.state["labels"] if x["idBoard"] == board])
    if "idMembers" in api.params:
        new["idMembers"] = p_ids(api, "idMembers", api.board(board)["members"])
    if "pos" in api.params:
        new["pos"] = p_pos(api, [c for c in api.state["cards"] if c["idList"] == new.get("idList", card["idList"])])
    changed = {k: v for k, v in new.items() if card[k] != v}
    now = api.now()
    for name, value in changed.items():
        old = card[name]
        card[name] = value
        if name == "idList":
            card["idBoard"] = board
            record(api, "updateCard", card, {"listBefore": list_ref(api, old), "listAfter": list_ref(api, value),
                                             "old": {"idList": old}}, now)
        elif name == "idLabels":
            for lid in set(old) ^ set(value):
                lab = next(x for x in api.state["labels"] if x["id"] == lid)
                record(api, "addLabelToCard" if lid in value else "removeLabelFromCard", card,
                       {"label": {"id": lid, "name": lab["name"], "color": lab["color"]}}, now)
        else:
            shown = (lambda v: api.time(v)) if name in ("due", "start") else (lambda v: v)
            a = record(api, "updateCard", card, {"list": list_ref(api, card["idList"]), "old": {name: shown(old)}}, now)
            a["data"]["card"][name] = shown(value)
    if changed:
        card["dateLastActivity"] = now
        api.changed()
    return api.ok(render_card(api, card, CARD_FIELDS))


def card_delete(api, cid):
    card = api.find("cards", cid, True)
    record(api, "deleteCard", card, {"list": list_ref(api, card["idList"])})
    api.state["cards"].remove(card)
    api.changed()
    return api.ok({"limits": {}})  # [U] body


def comment_text(api):
    text = api.params.get("text")
    if not isinstance(text, str) or not text.strip() or len(text) > 16384:
        fail(400, "invalid value for text")
    return text


def comment_add(api, cid):
    card = api.find("cards", cid, True)
    text = comment_text(api)
    a = record(api, "commentCard", card, {"list": list_ref(api, card["idList"]), "text": text,
                                          "textData": {"emoji": {}}})
    card["dateLastActivity"] = a["date"]
    return api.ok(render_action(api, a, ["data", "date", "idMemberCreator", "type"]))


def comment_edit(api, cid, aid):
    card = api.find("cards", cid, True)
    if not OID.match(aid):
        fail(400, "invalid id")
    a = next((a for a in api.state["actions"] if a["id"] == aid and a["type"] == "commentCard"
              and a["data"]["card"]["id"] == card["id"]), None)
    if a is None:
        fail(404, "The requested resource was not found.")
    if a["idMemberCreator"] != api.member["id"]:
        fail(401, "unauthorized permission requested")
    a["data"]["text"] = comment_text(api)
    a["data"]["dateLastEdited"] = api.time(api.now())
    api.changed()
    return api.ok(render_action(api, a, ["data", "date", "idMemberCreator", "type"]))


def label_add(api, cid):
    card = api.find("cards", cid, True)
    value = api.params.get("value")
    lab = next((x for x in api.state["labels"] if x["id"] == value and x["idBoard"] == card["idBoard"]), None)
    if lab is None:
        fail(400, "invalid value for value")
    if value in card["idLabels"]:
        fail(400, "that label is already on the card")  # [U] wording
    card["idLabels"] = card["idLabels"] + [value]
    card["dateLastActivity"] = api.now()
    record(api, "addLabelToCard", card, {"label": {"id": lab["id"], "name": lab["name"], "color": lab["color"]}})
    return api.ok(card["idLabels"])


def label_create(api, bid):
    board = api.find("boards", bid, True)
    name = p_str(api, "name", "")
    color = api.params.get("color")
    color = None if color in (None, "", "null") else color
    if color is not None and color not in COLORS:
        fail(400, "invalid value for color")
    lab = {"id": api.oid(), "idBoard": board["id"], "name": name, "color": color}
    api.state["labels"].append(lab)
    api.changed()
    return api.ok(dict(lab, limits={}))


def item_value(cf, params):
    """The stored {value} / {idValue} of a PUT body, None to clear; ValueError when invalid."""
    if cf["type"] == "list":
        if set(params) != {"idValue"}:
            raise ValueError
        if params["idValue"] in ("", None):
            return None
        if params["idValue"] not in [o["id"] for o in cf["options"]]:
            raise ValueError
        return {"idValue": params["idValue"]}
    if set(params) != {"value"}:
        raise ValueError
    value = params["value"]
    if value in ("", {}, None):
        return None
    key = {"number": "number", "text": "text", "date": "date", "checkbox": "checked"}[cf["type"]]
    if not isinstance(value, dict) or list(value) != [key] or not isinstance(value[key], str):
        raise ValueError  # values are strings inside typed keys: {"number": "2.25"}
    if key == "number":
        float(value[key])
    elif key == "date":
        parse_time(value[key])
    elif key == "checked" and value[key] not in ("true", "false"):
        raise ValueError
    return {"value": value}


def item_put(api, cid, fid):
    card = api.find("cards", cid, True)
    if not OID.match(fid):
        fail(400, "invalid id")
    cf = next((x for x in api.state["customFields"] if x["id"] == fid and x["idModel"] == card["idBoard"]), None)
    if cf is None:
        fail(404, "The requested resource was not found.")
    try:
        stored = item_value(cf, api.params)
    except (ValueError, TypeError):
        fail(400, "Invalid custom field item value.")  # [U] wording
    item = next((i for i in card["customFieldItems"] if i["idCustomField"] == fid), None)
    old = (item or {}).get("value", (item or {}).get("idValue"))
    if item is None:
        item = {"id": api.oid(), "idCustomField": fid}
        card["customFieldItems"].append(item)
    item.pop("value", None)
    item.pop("idValue", None)
    item.update(stored or {"value": None})
    rendered = render_item(card, item)
    record(api, "updateCustomFieldItem", card, {"customField": {"id": cf["id"], "name": cf["name"], "type": cf["type"]},
                                                 "customFieldItem": rendered, "old": {"value": old}})
    if stored is None:
        card["customFieldItems"].remove(item)
    card["dateLastActivity"] = api.now()
    return api.ok(rendered)


def routes():
    return [
        ("POST", r"/cards", card_create, CREATE),
        ("PUT", r"/cards/(?P<cid>[^/]+)", card_update, UPDATE),
        ("DELETE", r"/cards/(?P<cid>[^/]+)", card_delete, []),
        ("POST", r"/cards/(?P<cid>[^/]+)/actions/comments", comment_add, ["text"]),
        ("PUT", r"/cards/(?P<cid>[^/]+)/actions/(?P<aid>[^/]+)/comments", comment_edit, ["text"]),
        ("POST", r"/cards/(?P<cid>[^/]+)/idLabels", label_add, ["value"]),
        ("POST", r"/boards/(?P<bid>[^/]+)/labels", label_create, ["name", "color"]),
        ("PUT", r"/cards/(?P<cid>[^/]+)/customField/(?P<fid>[^/]+)/item", item_put, ["value", "idValue"]),
    ]
