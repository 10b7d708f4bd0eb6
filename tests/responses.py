"""Reading a response as a client receives it, streamed or not."""


def body(response):
    """The bytes of the body (the exports stream theirs)."""
    return b"".join(response.streaming_content) if response.streaming else response.content
