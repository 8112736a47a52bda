"""The shop counter (a sale typed at the desk, paid there and then): ``model.py`` plain data,
``rules.py`` the pure checks of a draft, ``service.py`` the save verb, ``queries.py`` reads."""
