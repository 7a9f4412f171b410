import assert from 'node:assert/strict'

import {importPath, pythonInspector, requirementFiles} from '../../../src/detect/inspectors/python.js'
import {pep440Range} from '../../../src/detect/version-ranges.js'
import {memorySnapshot} from '../../../src/detect/snapshot.js'

const inspect = (files: Record<string, string>) => pythonInspector.inspect(memorySnapshot('/work/app', files))

const flaskApp = 'from flask import Flask\n\napp = Flask(__name__)\n\n@app.get("/healthz")\ndef healthz():\n    return "ok"\n'
const fastapiApp = 'from fastapi import FastAPI\n\napi = FastAPI()\n\n@api.get("/health")\ndef health():\n    return {}\n'

const djangoProject: Record<string, string> = {
  'manage.py': 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")\nfrom django.core.management import execute_from_command_line\n',
  'shop/__init__.py': '',
  'shop/settings.py': 'import os\nSECRET_KEY = "x"\nDATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "PORT": "5432"}}\nALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "").split(",")\nWSGI_APPLICATION = "shop.wsgi.application"\n',
  'shop/urls.py': 'from django.urls import path\nurlpatterns = [\n    path("admin/", admin.site.urls),\n    path("health/", views.health),\n]\n',
  'shop/wsgi.py': 'from django.core.wsgi import get_wsgi_application\napplication = get_wsgi_application()\n',
}

describe('python inspector', () => {
  it('reports nothing for an app with no Python manifest and no script at the root', () => {
    assert.deepEqual(inspect({'package.json': '{}', 'tools/gen.py': 'print(1)\n'}), {})
  })

  describe('package manager', () => {
    it('takes the tool from its lockfile, before a requirements file', () => {
      const uv = inspect({'pyproject.toml': '[project]\nname = "a"\ndependencies = ["fastapi"]\n', 'uv.lock': '', 'requirements.txt': 'fastapi\n', 'main.py': fastapiApp})
      assert.equal(uv.packageManager?.value, 'uv')
      assert.equal(uv.lockfile?.value, 'uv.lock')
      assert.equal(uv.dependencyFiles?.value, 'pyproject.toml uv.lock')
      const poetry = inspect({'pyproject.toml': '[tool.poetry]\nname = "a"\n[tool.poetry.dependencies]\npython = "^3.12"\nflask = "^3"\n', 'poetry.lock': '', 'app.py': flaskApp})
      assert.equal(poetry.packageManager?.value, 'poetry')
      assert.equal(poetry.dependencyFiles?.value, 'pyproject.toml poetry.lock')
      const pipenv = inspect({'Pipfile': '[packages]\nflask = "*"\n', 'Pipfile.lock': '{}', 'app.py': flaskApp})
      assert.equal(pipenv.packageManager?.value, 'pipenv')
      assert.equal(pipenv.lockfile?.value, 'Pipfile.lock')
    })

    it('uses pip with a requirements file, and copies the files it includes with -r', () => {
      const facts = inspect({
        'requirements.txt': '-r requirements/base.txt\ngunicorn==23.0.0  # server\n',
        'requirements/base.txt': '-c ../constraints.txt\nFlask[async]>=3\n',
        'constraints.txt': 'werkzeug<4\n',
        'app.py': flaskApp,
      })
      assert.equal(facts.packageManager?.value, 'pip')
      assert.equal(facts.requirementsFile?.value, 'requirements.txt')
      assert.equal(facts.dependencyFiles?.value, 'requirements.txt requirements/base.txt constraints.txt')
      assert.equal(facts.framework?.value, 'flask', 'a dependency declared in an included file counts')
      assert.deepEqual(facts.framework?.evidence, [{detail: 'dependency "flask"', file: 'requirements/base.txt', line: 2}])
      assert.equal(facts.serverPackage, undefined, 'gunicorn is declared')
    })

    it('finds requirements in a requirements/ folder when there is none at the root', () => {
      const snapshot = memorySnapshot('/a', {'requirements/production.txt': '-r base.txt\n', 'requirements/base.txt': 'django\n'})
      assert.deepEqual(requirementFiles(snapshot, 'requirements/production.txt'), ['requirements/production.txt', 'requirements/base.txt'])
      const facts = inspect({'requirements/production.txt': '-r base.txt\n', 'requirements/base.txt': 'django\n', 'manage.py': 'django'})
      assert.equal(facts.requirementsFile?.value, 'requirements/production.txt')
      assert.equal(facts.framework?.value, 'django')
    })

    it('installs PEP 621 dependencies from pyproject.toml when there is no lockfile', () => {
      const facts = inspect({'pyproject.toml': '[project]\nname = "svc"\nrequires-python = ">=3.12"\ndependencies = [\n  "fastapi>=0.110",\n]\n', 'main.py': fastapiApp})
      assert.equal(facts.packageManager?.value, 'pip')
      assert.equal(facts.requirementsFile?.value, 'pyproject.toml')
      assert.deepEqual(facts.framework?.evidence, [{detail: 'dependency "fastapi"', file: 'pyproject.toml', line: 5}])
    })

    it('says pip and no dependency files for a script on the standard library', () => {
      const facts = inspect({'server.py': 'import os\nPORT = int(os.environ.get("PORT", "8080"))\n'})
      assert.equal(facts.packageManager?.value, 'pip')
      assert.equal(facts.dependencyFiles, undefined)
      assert.equal(facts.startCommand?.value, 'python server.py')
      assert.equal(facts.port?.value, 8080)
      assert.deepEqual(facts.env?.value, {PORT: '{{port}}'})
    })

    it('marks a uv workspace root without a project of its own', () => {
      const root = inspect({'pyproject.toml': '[tool.uv.workspace]\nmembers = ["services/*"]\n'})
      assert.equal(root.workspace?.value, true)
      assert.deepEqual(root.workspace?.evidence, [{detail: 'pyproject.toml declares a uv workspace and no project', file: 'pyproject.toml', line: 1}])
      const app = inspect({'pyproject.toml': '[project]\nname = "a"\n[tool.uv.workspace]\nmembers = ["libs/*"]\n'})
      assert.equal(app.workspace, undefined)
    })

    it('survives a broken pyproject.toml', () => {
      const facts = inspect({'pyproject.toml': '[project\nname = ', 'app.py': flaskApp})
      assert.equal(facts.framework?.value, 'flask', 'found from the import instead')
    })
  })

  describe('version', () => {
    it('prefers .python-version, then runtime.txt, then Pipfile, then requires-python', () => {
      const all = {
        'pyproject.toml': '[project]\nname = "a"\nrequires-python = ">=3.10"\n',
        'Pipfile': '[requires]\npython_version = "3.11"\n',
        'runtime.txt': 'python-3.12.4\n',
        '.python-version': '3.13.1\n',
      }
      assert.deepEqual(inspect(all).version, {value: '3.13.1', evidence: [{detail: '.python-version says 3.13.1', file: '.python-version', line: 1}]})
      const {'.python-version': _a, ...noPin} = all
      assert.equal(inspect(noPin).version?.value, '3.12.4')
      const {'runtime.txt': _b, ...noRuntime} = noPin
      assert.deepEqual(inspect(noRuntime).version, {value: '3.11', evidence: [{detail: 'Pipfile requires python 3.11', file: 'Pipfile', line: 2}]})
      const {Pipfile: _c, ...onlyRange} = noRuntime
      assert.deepEqual(inspect(onlyRange).version, {value: '>=3.10', evidence: [{detail: 'requires-python is ">=3.10"', file: 'pyproject.toml', line: 3}]})
    })

    it('ignores pins that are not CPython 3 versions', () => {
      assert.equal(inspect({'.python-version': 'pypy3.10\n', 'main.py': ''}).version, undefined)
      assert.equal(inspect({'.python-version': 'system\n', 'main.py': ''}).version, undefined)
    })

    it('reads the python constraint of [tool.poetry.dependencies]', () => {
      const facts = inspect({'pyproject.toml': '[tool.poetry]\nname = "a"\n\n[tool.poetry.dependencies]\npython = "^3.11"\n'})
      assert.deepEqual(facts.version, {value: '^3.11', evidence: [{detail: '[tool.poetry.dependencies] python is "^3.11"', file: 'pyproject.toml', line: 5}]})
    })

    it('writes PEP 440 specifiers as semver ranges', () => {
      assert.equal(pep440Range('>=3.10,<3.13'), '>=3.10 <3.13')
      assert.equal(pep440Range('^3.11'), '^3.11')
      assert.equal(pep440Range('~=3.9'), '>=3.9 <4')
      assert.equal(pep440Range('~=3.9.1'), '>=3.9.1 <3.10')
      assert.equal(pep440Range('>3.9'), '>3.9')
      assert.equal(pep440Range('==3.12.*'), '3.12.x')
      assert.equal(pep440Range('<4'), '<4')
      assert.equal(pep440Range('!=3.9, >=3.8'), '>=3.8', 'an exclusion never decides the line')
      assert.equal(pep440Range('>=3.8; python_version'), undefined)
    })
  })

  describe('Django', () => {
    it('runs the WSGI application named in settings under gunicorn', () => {
      const facts = inspect({...djangoProject, 'requirements.txt': 'Django==5.2\ngunicorn\n'})
      assert.equal(facts.framework?.value, 'django')
      assert.deepEqual(facts.appModule, {value: 'shop.wsgi:application', evidence: [{detail: 'WSGI_APPLICATION = "shop.wsgi.application"', file: 'shop/settings.py', line: 5}]})
      assert.equal(facts.startCommand?.value, 'gunicorn shop.wsgi:application')
      assert.equal(facts.serverPackage, undefined)
    })

    it('listens on 8000 and never takes the database port from settings', () => {
      const facts = inspect({...djangoProject, 'requirements.txt': 'django\n'})
      assert.equal(facts.port?.value, 8000)
      assert.equal(facts.serverPackage?.value, 'gunicorn', 'gunicorn is not declared, so the image installs it')
    })

    it('sets the variable ALLOWED_HOSTS is read from, so probes by pod IP are accepted', () => {
      const facts = inspect({...djangoProject, 'requirements.txt': 'django\n'})
      assert.deepEqual(facts.env?.value, {PORT: '{{port}}', ALLOWED_HOSTS: '*'})
      assert.deepEqual(facts.env?.evidence[1], {detail: 'ALLOWED_HOSTS comes from ALLOWED_HOSTS; "*" lets probes reach the pod by its IP', file: 'shop/settings.py', line: 4})
    })

    it('finds a health URL pattern written without the leading slash', () => {
      const facts = inspect({...djangoProject, 'requirements.txt': 'django\n'})
      assert.deepEqual(facts.healthPath, {value: '/health/', evidence: [{detail: 'URL pattern health/ in shop/urls.py', file: 'shop/urls.py', line: 4}]})
    })

    it('collects static files at build time when STATIC_ROOT is set, with a placeholder secret', () => {
      const settings = 'import os\nSECRET_KEY = os.environ["DJANGO_SECRET_KEY"]\nSTATIC_ROOT = BASE_DIR / "static"\n'
      const facts = inspect({...djangoProject, 'shop/settings.py': settings, 'requirements.txt': 'django\n'})
      assert.deepEqual(facts.collectStatic, {value: 'python manage.py collectstatic --noinput', evidence: [{detail: 'STATIC_ROOT is set: static files are collected into the image', file: 'shop/settings.py', line: 3}]})
      assert.deepEqual(facts.buildEnv?.value, {DJANGO_SECRET_KEY: 'collectstatic-only'})
      const withDefault = inspect({...djangoProject, 'shop/settings.py': 'SECRET_KEY = os.environ.get("K", "dev")\nSTATIC_ROOT = "/app/static"\n', 'requirements.txt': 'django\n'})
      assert.equal(withDefault.buildEnv, undefined, 'a secret with a default needs no placeholder')
      assert.equal(inspect({...djangoProject, 'requirements.txt': 'django\n'}).collectStatic, undefined)
    })

    it('falls back to the wsgi.py module when settings do not name it', () => {
      const {'shop/settings.py': _s, ...rest} = djangoProject
      const facts = inspect({...rest, 'shop/settings.py': 'DEBUG = False\n', 'requirements.txt': 'django\n'})
      assert.equal(facts.appModule?.value, 'shop.wsgi:application')
    })
  })

  describe('Flask and FastAPI', () => {
    it('runs a Flask app object under gunicorn on the Flask port, installing gunicorn when missing', () => {
      const facts = inspect({'requirements.txt': 'flask\n', 'app.py': flaskApp})
      assert.equal(facts.startCommand?.value, 'gunicorn app:app')
      assert.equal(facts.port?.value, 5000)
      assert.equal(facts.serverPackage?.value, 'gunicorn')
      assert.deepEqual(facts.env?.value, {PORT: '{{port}}'})
      assert.deepEqual(facts.healthPath?.evidence, [{detail: 'route /healthz defined in source', file: 'app.py', line: 5}])
    })

    it('calls an application factory', () => {
      const facts = inspect({'requirements.txt': 'flask\ngunicorn\n', 'web/__init__.py': 'from flask import Flask\n\ndef create_app():\n    return Flask(__name__)\n'})
      assert.equal(facts.appModule?.value, 'web:create_app()')
      assert.equal(facts.startCommand?.value, "gunicorn 'web:create_app()'")
    })

    it('runs a FastAPI app under uvicorn bound to all interfaces, the port through UVICORN_PORT', () => {
      const facts = inspect({'requirements.txt': 'fastapi\nuvicorn[standard]\n', 'service/main.py': fastapiApp, 'service/__init__.py': ''})
      assert.equal(facts.startCommand?.value, 'uvicorn service.main:api --host 0.0.0.0')
      assert.equal(facts.port?.value, 8000)
      assert.equal(facts.serverPackage, undefined, 'uvicorn[standard] declares uvicorn')
      assert.deepEqual(facts.env?.value, {UVICORN_PORT: '{{port}}'})
      assert.equal(facts.healthPath?.value, '/health')
    })

    it('keeps a src/ layout importable', () => {
      const facts = inspect({'pyproject.toml': '[project]\nname = "a"\ndependencies = ["fastapi", "uvicorn"]\n', 'src/svc/main.py': fastapiApp})
      assert.equal(facts.startCommand?.value, 'uvicorn svc.main:api --host 0.0.0.0 --app-dir src')
    })

    it('runs the server from the folder the app imports from', () => {
      assert.deepEqual(importPath('app/main.py'), {dir: '', module: 'app.main'})
      assert.deepEqual(importPath('web/__init__.py'), {dir: '', module: 'web'})
      assert.deepEqual(importPath('src/svc/main.py'), {dir: 'src', module: 'svc.main'})
      assert.deepEqual(importPath('my-service/api/app.py'), {dir: 'my-service', module: 'api.app'})
      const flask = inspect({'requirements.txt': 'flask\ngunicorn\n', 'flask-api/server.py': flaskApp})
      assert.equal(flask.startCommand?.value, 'gunicorn --chdir flask-api server:app')
      assert.equal(flask.appDir?.value, 'flask-api')
    })

    it('runs a Django project from the folder of its manage.py', () => {
      const nested = Object.fromEntries(Object.entries(djangoProject).map(([k, v]) => [`backend/${k}`, v]))
      const facts = inspect({...nested, 'requirements.txt': 'django\ngunicorn\n'})
      assert.equal(facts.startCommand?.value, 'gunicorn --chdir backend shop.wsgi:application')
      assert.deepEqual(facts.healthPath?.value, '/health/')
    })

    it('takes the developer port from app.run or PORT, but not a database port', () => {
      const facts = inspect({'requirements.txt': 'flask\n', 'app.py': `${flaskApp}\nDB_PORT = os.environ.get("DB_PORT", "5432")\nif __name__ == "__main__":\n    app.run(host="0.0.0.0", port=5050)\n`})
      assert.equal(facts.port?.value, 5050)
      assert.deepEqual(facts.port?.evidence, [{detail: 'port 5050 in source', file: 'app.py', line: 11}])
    })
  })

  describe('Procfile and listening', () => {
    it('takes the Procfile web command first, its port and $PORT', () => {
      const facts = inspect({'requirements.txt': 'flask\ngunicorn\n', 'app.py': flaskApp, Procfile: 'release: flask db upgrade\nweb: gunicorn app:app --bind 0.0.0.0:$PORT --workers 2\n'})
      assert.equal(facts.startCommand?.value, 'gunicorn app:app --bind 0.0.0.0:$PORT --workers 2')
      assert.deepEqual(facts.startCommand?.evidence, [{detail: 'Procfile web process', file: 'Procfile', line: 2}])
      assert.deepEqual(facts.env?.value, {PORT: '{{port}}'})
    })

    it('drops a poetry run wrapper, since the image has no poetry', () => {
      const facts = inspect({'pyproject.toml': '[tool.poetry]\nname = "a"\n[tool.poetry.dependencies]\nuvicorn = "*"\nfastapi = "*"\n', 'poetry.lock': '', 'main.py': fastapiApp, Procfile: 'web: poetry run uvicorn main:api --host 0.0.0.0 --port 9000\n'})
      assert.equal(facts.startCommand?.value, 'uvicorn main:api --host 0.0.0.0 --port 9000')
      assert.equal(facts.port?.value, 9000)
      assert.equal(facts.env, undefined, 'the port is on the command line: no UVICORN_PORT')
    })

    it('warns when the start command or the script binds localhost only', () => {
      const procfile = inspect({'requirements.txt': 'fastapi\nuvicorn\n', 'main.py': fastapiApp, Procfile: 'web: uvicorn main:api --host 127.0.0.1\n'})
      assert.equal(procfile.bindsLocalhost?.value, true)
      const script = inspect({'requirements.txt': 'flask\n', Procfile: 'web: python app.py\n', 'app.py': `${flaskApp}\napp.run(port=5000)\n`})
      assert.equal(script.bindsLocalhost?.value, true)
      assert.equal(script.bindsLocalhost?.evidence[0]?.line, 9)
      const server = inspect({'server.py': 'from http.server import HTTPServer\nHTTPServer(("127.0.0.1", 8080), H).serve_forever()\n'})
      assert.deepEqual(server.bindsLocalhost?.evidence, [{detail: 'binds to localhost only: the container will not answer; bind to 0.0.0.0', file: 'server.py', line: 2}])
      assert.equal(server.port?.value, 8080)
    })

    it('does not warn about app.run() when gunicorn serves the app', () => {
      const facts = inspect({'requirements.txt': 'flask\n', 'app.py': `${flaskApp}\nif __name__ == "__main__":\n    app.run()\n`})
      assert.equal(facts.bindsLocalhost, undefined)
    })

    it('reads the port from a gunicorn config file', () => {
      const facts = inspect({'requirements.txt': 'flask\ngunicorn\n', 'app.py': flaskApp, 'gunicorn.conf.py': 'bind = "0.0.0.0:9090"\nworkers = 2\n'})
      assert.deepEqual(facts.port, {value: 9090, evidence: [{detail: 'gunicorn config binds port 9090', file: 'gunicorn.conf.py', line: 1}]})
    })

    it('sets HOST for a script that reads it', () => {
      const facts = inspect({'main.py': 'import os\nhost = os.getenv("HOST", "127.0.0.1")\nport = int(os.getenv("PORT", "7000"))\n'})
      assert.deepEqual(facts.env?.value, {PORT: '{{port}}', HOST: '0.0.0.0'})
      assert.equal(facts.port?.value, 7000)
    })

    it('runs a package with __main__.py as a module', () => {
      const facts = inspect({'requirements.txt': 'aiohttp\n', 'svc/__init__.py': '', 'svc/__main__.py': 'print(1)\n'})
      assert.equal(facts.startCommand?.value, 'python -m svc')
    })
  })

  describe('dependencies for [[system-packages]]', () => {
    it('lists declared packages with their extras, and those only a lockfile resolved', () => {
      const facts = inspect({
        'requirements.txt': 'Flask==3.1\npsycopg[c]>=3.2  # compiled\nmysqlclient\n',
        'app.py': flaskApp,
      })
      assert.deepEqual(facts.dependencies?.value, ['flask', 'psycopg', 'psycopg[c]', 'mysqlclient'])
      assert.deepEqual(facts.dependencies?.evidence.find(e => e.key === 'psycopg[c]'), {detail: 'psycopg[c] is a dependency', file: 'requirements.txt', line: 2, key: 'psycopg[c]'})
      const locked = inspect({
        'pyproject.toml': '[project]\nname = "a"\ndependencies = ["sqlalchemy[postgresql]"]\n',
        'uv.lock': 'version = 1\n\n[[package]]\nname = "SQLAlchemy"\nversion = "2.0"\n\n[[package]]\nname = "psycopg2"\nversion = "2.9.10"\n',
        'main.py': fastapiApp,
      })
      assert.deepEqual(locked.dependencies?.value, ['sqlalchemy', 'sqlalchemy[postgresql]', 'psycopg2'])
      assert.deepEqual(locked.dependencies?.evidence.at(-1), {detail: 'psycopg2 is locked in uv.lock', file: 'uv.lock', line: 7, key: 'psycopg2'})
      const pipenv = inspect({Pipfile: '[packages]\nflask = "*"\n', 'Pipfile.lock': JSON.stringify({default: {flask: {}, 'psycopg2': {}}}), 'app.py': flaskApp})
      assert.deepEqual(pipenv.dependencies?.value, ['flask', 'psycopg2'])
    })
  })

  describe('writable paths and the release phase', () => {
    it('Django: a SQLite file next to manage.py, the media folder, and migrate', () => {
      const facts = inspect({
        ...djangoProject,
        'shop/settings.py': 'from pathlib import Path\nBASE_DIR = Path(__file__).resolve().parent.parent\nDATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}}\nMEDIA_ROOT = BASE_DIR / "media"\nWSGI_APPLICATION = "shop.wsgi.application"\n',
      })
      assert.deepEqual(facts.writablePaths?.value, ['.', 'media'])
      assert.deepEqual(facts.writablePaths?.evidence[0], {detail: 'the SQLite database db.sqlite3 is written next to the code', file: 'shop/settings.py', line: 3, key: '.'})
      assert.equal(facts.releaseCommand?.value, 'python manage.py migrate --noinput')
      assert.equal(facts.releaseCommand?.evidence[0]?.line, 3)
    })

    it('Django in a sub-folder, with the database in a data folder', () => {
      const facts = inspect({
        'requirements.txt': 'django\n',
        'src/manage.py': 'import django\n',
        'src/site/settings.py': 'import os\nDATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.path.join(BASE_DIR, "data", "app.db")}}\n',
      })
      assert.deepEqual(facts.writablePaths?.value, ['src/data'])
      assert.equal(facts.releaseCommand?.value, 'python src/manage.py migrate --noinput')
    })

    it('Django choosing its database in an if/else (indented DATABASES) still migrates', () => {
      const facts = inspect({
        ...djangoProject,
        'shop/settings.py': 'import os\nif "DATABASE_URL" in os.environ:\n    DATABASES = {"default": dj_database_url.config()}\nelse:\n    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}}\nWSGI_APPLICATION = "shop.wsgi.application"\n',
      })
      assert.equal(facts.releaseCommand?.value, 'python manage.py migrate --noinput')
      assert.equal(facts.releaseCommand?.evidence[0]?.line, 3)
    })

        it('Django with the dummy database backend has nothing to migrate', () => {
      const facts = inspect({...djangoProject, 'shop/settings.py': 'DATABASES = {}\nWSGI_APPLICATION = "shop.wsgi.application"\n'})
      assert.equal(facts.releaseCommand, undefined)
    })

    it("Flask: Flask-SQLAlchemy's relative SQLite file in instance/, uploads, and Flask-Migrate", () => {
      const facts = inspect({
        'requirements.txt': 'flask\nflask-sqlalchemy\nFlask-Migrate\n',
        'app.py': `${flaskApp}app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///todo.db"\napp.config["UPLOAD_FOLDER"] = "static/uploads"\n`,
        'migrations/env.py': '',
      })
      assert.deepEqual(facts.writablePaths?.value, ['instance', 'static/uploads'])
      assert.equal(facts.releaseCommand?.value, 'flask --app app db upgrade')
      assert.deepEqual(facts.releaseCommand?.evidence[0], {detail: 'Flask-Migrate with a migrations/ folder: its migrations run before the new version serves', file: 'requirements.txt', line: 3})
    })

    it('plain SQLite and SQLAlchemy paths are relative to the working directory; log files too', () => {
      const facts = inspect({
        'requirements.txt': 'fastapi\nsqlalchemy\nalembic\n',
        'alembic.ini': '[alembic]\n',
        'main.py': `${fastapiApp}engine = create_engine("sqlite:///./data/app.db")\ncon = sqlite3.connect("cache.db")\nlogging.FileHandler("logs/app.log")\nmem = sqlite3.connect(":memory:")\n`,
      })
      assert.deepEqual(facts.writablePaths?.value, ['data', '.', 'logs'])
      assert.equal(facts.releaseCommand?.value, 'alembic upgrade head')
    })

    it('an app that writes nowhere of its own gets neither', () => {
      const facts = inspect({'requirements.txt': 'flask\n', 'app.py': `${flaskApp}engine = create_engine("sqlite:////var/lib/app.db")\n`})
      assert.equal(facts.writablePaths, undefined)
      assert.equal(facts.releaseCommand, undefined)
    })
  })
})
