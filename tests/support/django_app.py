"""A small real Django project for the update tests: git history, venv, dev server.

Django comes from PyPI into build/django-venv (``make django-venv``). The
project keeps its data in PostgreSQL (psycopg 3) and honours a maintenance
flag file with a middleware answering 503.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DJANGO_VENV = os.path.join(ROOT, "build", "django-venv")
DJANGO_PYTHON = os.path.join(DJANGO_VENV, "bin", "python")
REQUIREMENTS = "Django>=5.2,<5.3\npsycopg[binary]>=3.2,<3.4\n"

GIT_ENV = dict(GIT_AUTHOR_NAME="dev", GIT_AUTHOR_EMAIL="dev@example.invalid",
               GIT_COMMITTER_NAME="dev", GIT_COMMITTER_EMAIL="dev@example.invalid")


def ensure_venv():
    if not os.path.exists(os.path.join(DJANGO_VENV, ".installed")):
        subprocess.run(["make", "-C", ROOT, "django-venv"], check=True, stdout=subprocess.DEVNULL)
    return DJANGO_PYTHON


FILES_V1 = {
    "requirements.txt": REQUIREMENTS,
    ".gitignore": "__pycache__/\n*.pyc\n",
    "manage.py": """\
        #!/usr/bin/env python
        import os
        import sys

        if __name__ == "__main__":
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
            from django.core.management import execute_from_command_line
            execute_from_command_line(sys.argv)
        """,
    "shop/__init__.py": "",
    "shop/settings.py": """\
        import os
        from pathlib import Path

        BASE_DIR = Path(__file__).resolve().parent.parent
        SECRET_KEY = "tests-only-not-secret"
        DEBUG = False
        ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
        INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.sessions",
                          "django.contrib.staticfiles", "catalog"]
        MIDDLEWARE = ["shop.middleware.maintenance", "django.contrib.sessions.middleware.SessionMiddleware"]
        ROOT_URLCONF = "shop.urls"
        DATABASES = {"default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": os.environ["SHOP_DB_NAME"], "HOST": os.environ["SHOP_DB_HOST"],
            "PORT": os.environ["SHOP_DB_PORT"], "USER": os.environ["SHOP_DB_USER"],
            "PASSWORD": os.environ["SHOP_DB_PASSWORD"],
        }}
        CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                              "LOCATION": os.environ["SHOP_CACHE_DIR"]}}
        STATIC_URL = "/static/"
        STATIC_ROOT = os.environ["SHOP_STATIC_ROOT"]
        STATICFILES_DIRS = [BASE_DIR / "assets"]
        MAINTENANCE_FLAG = os.environ["SHOP_MAINTENANCE_FLAG"]
        USE_TZ = True
        DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
        """,
    "shop/middleware.py": """\
        import os

        from django.conf import settings
        from django.http import HttpResponse


        def maintenance(get_response):
            def middleware(request):
                if os.path.exists(settings.MAINTENANCE_FLAG):
                    return HttpResponse("maintenance", status=503)
                return get_response(request)
            return middleware
        """,
    "shop/urls.py": """\
        from django.urls import path

        from catalog import views

        urlpatterns = [path("health/", views.health), path("products/", views.products)]
        """,
    "assets/site.css": "body { color: #123; }\n",
    "catalog/__init__.py": "",
    "catalog/migrations/__init__.py": "",
    "catalog/models.py": """\
        from django.db import models


        class Product(models.Model):
            name = models.CharField(max_length=100)
        """,
    "catalog/migrations/0001_initial.py": """\
        from django.db import migrations, models


        class Migration(migrations.Migration):
            initial = True
            dependencies = []
            operations = [migrations.CreateModel("Product", [
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("name", models.CharField(max_length=100)),
            ])]
        """,
    "catalog/views.py": """\
        from django.http import HttpResponse

        from catalog.models import Product

        VERSION = "v1"


        def health(request):
            return HttpResponse("ok %s %d" % (VERSION, Product.objects.count()))


        def products(request):
            return HttpResponse("%s\\n%s" % (VERSION, "\\n".join(p.name for p in Product.objects.order_by("id"))))
        """,
    "catalog/tests.py": """\
        from django.test import TestCase

        from catalog.models import Product


        class ProductTests(TestCase):
            def test_create(self):
                Product.objects.create(name="x")
                self.assertEqual(Product.objects.count(), 1)
        """,
}

# v2: a real migration (a new column with a default) and code that uses it
FILES_V2 = {
    "catalog/models.py": """\
        from django.db import models


        class Product(models.Model):
            name = models.CharField(max_length=100)
            price = models.IntegerField(default=100)
        """,
    "catalog/migrations/0002_product_price.py": """\
        from django.db import migrations, models


        class Migration(migrations.Migration):
            dependencies = [("catalog", "0001_initial")]
            operations = [migrations.AddField("product", "price", models.IntegerField(default=100))]
        """,
    "catalog/views.py": """\
        from django.http import HttpResponse

        from catalog.models import Product

        VERSION = "v2"


        def health(request):
            return HttpResponse("ok %s %d" % (VERSION, Product.objects.count()))


        def products(request):
            rows = ["%s:%d" % (p.name, p.price) for p in Product.objects.order_by("id")]
            return HttpResponse("%s\\n%s" % (VERSION, "\\n".join(rows)))
        """,
}

# v3: one migration that changes schema and data (commits), then one that fails
FILES_V3 = {
    "catalog/models.py": """\
        from django.db import models


        class Product(models.Model):
            name = models.CharField(max_length=100)
            price = models.IntegerField(default=100)
            discount = models.IntegerField(default=0)
        """,
    "catalog/migrations/0003_discount.py": """\
        from django.db import migrations, models


        class Migration(migrations.Migration):
            dependencies = [("catalog", "0002_product_price")]
            operations = [
                migrations.AddField("product", "discount", models.IntegerField(default=0)),
                migrations.RunSQL("UPDATE catalog_product SET price = 0, discount = 100",
                                  migrations.RunSQL.noop),
            ]
        """,
    "catalog/migrations/0004_broken.py": """\
        from django.db import migrations


        def explode(apps, schema_editor):
            raise RuntimeError("broken data migration")


        class Migration(migrations.Migration):
            dependencies = [("catalog", "0003_discount")]
            operations = [migrations.RunPython(explode)]
        """,
    "catalog/views.py": FILES_V2["catalog/views.py"].replace('VERSION = "v2"', 'VERSION = "v3"'),
}

RESTART = '''\
import json, os, signal, socket, subprocess, sys, time
cfg = json.load(open(sys.argv[1]))
if os.path.exists(cfg["pidfile"]):
    pid = int(open(cfg["pidfile"]).read())
    try:
        os.kill(pid, signal.SIGTERM)
        for _i in range(200):
            os.kill(pid, 0)
            time.sleep(0.05)
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
log = open(cfg["log"], "ab")
proc = subprocess.Popen(cfg["argv"], cwd=cfg["cwd"], env=cfg["env"], stdin=subprocess.DEVNULL,
                        stdout=log, stderr=log, start_new_session=True)
with open(cfg["pidfile"], "w") as handle:
    handle.write(str(proc.pid))
for _i in range(300):
    if proc.poll() is not None:
        sys.exit("the server exited with %s" % proc.returncode)
    try:
        socket.create_connection(("127.0.0.1", cfg["port"]), 0.2).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit("the server did not listen")
'''


def write_files(folder, files):
    for rel, text in files.items():
        path = os.path.join(folder, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(textwrap.dedent(text))


def git(*args, cwd):
    env = dict(os.environ)
    env.update(GIT_ENV)
    return subprocess.run(["git"] + list(args), cwd=cwd, env=env, check=True, capture_output=True,
                          text=True).stdout.strip()


class DjangoSite:
    """origin (bare repo), author (pushes versions), app (the deployed checkout) and a running server."""

    def __init__(self, base, pg, db, port):
        self.base = str(base)
        self.pg = pg
        self.db = db
        self.port = port
        self.origin = os.path.join(self.base, "origin.git")
        self.author = os.path.join(self.base, "author")
        self.app = os.path.join(self.base, "app")
        self.static_root = os.path.join(self.base, "static")
        self.cache_dir = os.path.join(self.base, "cache")
        self.flag = os.path.join(self.base, "maintenance.flag")
        self.pidfile = os.path.join(self.base, "server.pid")
        self.log = os.path.join(self.base, "server.log")
        self.restart_cfg = os.path.join(self.base, "restart.json")
        self.restart_script = os.path.join(self.base, "restart.py")
        self.python = ensure_venv()
        self.env = dict(
            PATH=os.environ.get("PATH", "/usr/bin:/bin"), LANG="C.UTF-8",
            DJANGO_SETTINGS_MODULE="shop.settings",
            SHOP_DB_NAME=db, SHOP_DB_HOST=pg.host, SHOP_DB_PORT=str(pg.port), SHOP_DB_USER=pg.user,
            SHOP_DB_PASSWORD=pg.password, SHOP_CACHE_DIR=self.cache_dir, SHOP_STATIC_ROOT=self.static_root,
            SHOP_MAINTENANCE_FLAG=self.flag,
        )

    def setup(self):
        git("init", "-q", "--bare", "-b", "main", self.origin, cwd=self.base)
        os.makedirs(self.author)
        git("init", "-q", "-b", "main", cwd=self.author)
        write_files(self.author, FILES_V1)
        self.commit("v1")
        git("clone", "-q", self.origin, self.app, cwd=self.base)
        self.pg.dropdb(self.db)
        self.pg.createdb(self.db)
        self.manage("migrate", "--noinput")
        self.pg.psql("INSERT INTO catalog_product (name) VALUES ('lamp'), ('desk'), ('chair');", db=self.db)
        with open(self.restart_script, "w", encoding="utf-8") as handle:
            handle.write(RESTART)
        fd = os.open(self.restart_cfg, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(dict(pidfile=self.pidfile, log=self.log, cwd=self.app, port=self.port, env=self.env,
                           argv=[self.python, "manage.py", "runserver", "--noreload", "--nothreading",
                                 "127.0.0.1:%d" % self.port]), handle)
        subprocess.run(self.restart_command(), check=True)
        return self

    def restart_command(self):
        return [sys.executable, self.restart_script, self.restart_cfg]

    def commit(self, message, files=None):
        if files:
            write_files(self.author, files)
        git("add", "-A", cwd=self.author)
        git("commit", "-q", "-m", message, cwd=self.author)
        git("push", "-q", self.origin, "HEAD:main", cwd=self.author)
        return git("rev-parse", "HEAD", cwd=self.author)

    def head(self):
        return git("rev-parse", "HEAD", cwd=self.app)

    def manage(self, *args):
        return subprocess.run([self.python, "manage.py"] + list(args), cwd=self.app, env=self.env, check=True,
                              capture_output=True, text=True).stdout

    def get(self, path):
        """(status, body) of a request to the running server."""
        with socket.create_connection(("127.0.0.1", self.port), 10) as sock:
            sock.sendall(("GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n" % path).encode())
            data = b""
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        head, _sep, body = data.partition(b"\r\n\r\n")
        return int(head.split()[1]), body.decode()

    def server_pid(self):
        with open(self.pidfile) as handle:
            return int(handle.read())

    def stop(self):
        if os.path.exists(self.pidfile):
            pid = self.server_pid()
            try:
                os.kill(pid, signal.SIGTERM)
                for _i in range(100):
                    os.kill(pid, 0)
                    time.sleep(0.05)
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def role_vars(self, backups, **extra):
        out = dict(
            django_update_app_dir=self.app, django_update_git_repo=self.origin,
            django_update_venv=DJANGO_VENV, django_update_environment=self.env,
            django_update_maintenance_flag=self.flag, django_update_backup_dest=backups,
            django_update_db_name=self.db, django_update_db_host=self.pg.host,
            django_update_db_port=self.pg.port, django_update_db_user=self.pg.user,
            django_update_db_password=self.pg.password,
            django_update_restart_command=self.restart_command(),
            django_update_health_url="http://127.0.0.1:%d/health/" % self.port,
            django_update_health_delay=1,
        )
        out.update(extra)
        return out
