"""Classes for MethodResolver (one instance serves every request) and MethodViewResolver (a
new instance per request, dispatched by HTTP method), without Flask."""


class PetsView:
    created = 0

    def __init__(self, prefix=""):
        self.prefix = prefix
        type(self).created += 1

    def search(self, limit=10):
        return {"called": "search", "limit": limit, "prefix": self.prefix, "instances": type(self).created}

    def get(self, petId=None):
        return {"called": "get", "petId": petId, "prefix": self.prefix, "instances": type(self).created}

    async def post(self, body):
        return {"called": "post", "name": body["name"]}, 201


def ping():
    return "pong"
