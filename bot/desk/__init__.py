"""The application layer: one turn for every front-end (bot/desk/turn.py), and the features around it."""
