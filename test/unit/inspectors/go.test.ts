import assert from 'node:assert/strict'

import {detectApp} from '../../../src/detect/detect.js'
import {goInspector, parseGoMod, parseWorkUses} from '../../../src/detect/inspectors/go.js'
import {memorySnapshot} from '../../../src/detect/snapshot.js'
import {loadPacks} from '../../../src/pack-model/registry.js'

const inspect = (files: Record<string, string>, root = '/work/app') => goInspector.inspect(memorySnapshot(root, files))
const mod = (body = '', go = '1.26') => `module example.com/shop\n\ngo ${go}\n${body}`
const main = (body: string, imports = '"net/http"') => `package main\n\nimport (\n\t${imports}\n)\n\nfunc main() {\n${body}\n}\n`

describe('go inspector', () => {
  it('reports nothing without go.mod or go.work', () => {
    assert.deepEqual(inspect({'main.go': main('http.ListenAndServe(":8080", nil)')}), {})
  })

  describe('go.mod', () => {
    it('reads module, go, toolchain and requires, single-line and in blocks, indirect marked', () => {
      const parsed = parseGoMod(
        'module "example.com/x/v2" // the module\n\ngo 1.22.3\ntoolchain go1.23.4\n\nrequire github.com/a/b v1.0.0\nrequire (\n\tgithub.com/gin-gonic/gin v1.10.0\n\tgolang.org/x/net v0.30.0 // indirect\n)\n',
      )
      assert.equal(parsed.module, 'example.com/x/v2')
      assert.deepEqual(parsed.go, {version: '1.22.3', line: 3})
      assert.deepEqual(parsed.toolchain, {version: '1.23.4', line: 4})
      assert.deepEqual(parsed.requires, [
        {path: 'github.com/a/b', line: 6, indirect: false},
        {path: 'github.com/gin-gonic/gin', line: 8, indirect: false},
        {path: 'golang.org/x/net', line: 9, indirect: true},
      ])
    })

    it('asks for at least the go line, or a newer toolchain line', () => {
      const plain = inspect({'go.mod': mod('', '1.22.3'), 'main.go': main('')})
      assert.equal(plain.version?.value, '>=1.22.3')
      assert.deepEqual(plain.version?.evidence, [{detail: 'go 1.22.3 in go.mod', file: 'go.mod', line: 3}])
      const toolchain = inspect({'go.mod': mod('toolchain go1.23.4\n', '1.22'), 'main.go': main('')})
      assert.equal(toolchain.version?.value, '>=1.23.4')
      assert.equal(toolchain.version?.evidence[0]?.line, 4)
      const older = inspect({'go.mod': mod('toolchain go1.21.0\n', '1.22'), 'main.go': main('')})
      assert.equal(older.version?.value, '>=1.22', 'a toolchain older than the go line does not lower it')
    })

    it('does not take an indirect requirement for the framework', () => {
      const facts = inspect({
        'go.mod': mod('require (\n\tgithub.com/gin-gonic/gin v1.10.0 // indirect\n)\n'),
        'main.go': main('http.ListenAndServe(":8080", nil)'),
      })
      assert.equal(facts.framework?.value, 'net/http')
    })

    it('knows gin, echo, fiber and chi from go.mod, with the require line as evidence', () => {
      for (const [path, name] of [
        ['github.com/gin-gonic/gin v1.10.0', 'gin'],
        ['github.com/labstack/echo/v4 v4.12.0', 'echo'],
        ['github.com/gofiber/fiber/v2 v2.52.5', 'fiber'],
        ['github.com/go-chi/chi/v5 v5.1.0', 'chi'],
      ] as const) {
        const facts = inspect({'go.mod': mod(`require ${path}\n`), 'main.go': main('')})
        assert.equal(facts.framework?.value, name)
        assert.deepEqual(facts.framework?.evidence[0], {detail: `requires ${path.split(' ')[0]}`, file: 'go.mod', line: 4})
      }
    })

    it('notes go.sum and a vendor/ folder', () => {
      const facts = inspect({'go.mod': mod(), 'go.sum': 'x h1:y\n', 'vendor/modules.txt': '# x\n', 'main.go': main('')})
      assert.equal(facts.goSum?.value, true)
      assert.equal(facts.vendored?.value, true)
    })
  })

  describe('go.work', () => {
    it('parses use directives, single and in blocks', () => {
      assert.deepEqual(parseWorkUses('go 1.22\n\nuse (\n\t./api\n\t./web/ // the site\n)\nuse ./tools\n'), [
        {dir: 'api', line: 4},
        {dir: 'web', line: 5},
        {dir: 'tools', line: 7},
      ])
    })

    it('is a workspace when it uses other modules, not when it only uses the root', () => {
      const work = inspect({'go.work': 'go 1.22\n\nuse (\n\t./api\n\t./worker\n)\n', 'api/go.mod': mod(), 'worker/go.mod': mod()})
      assert.equal(work.workspace?.value, true)
      assert.deepEqual(work.modules?.value, ['api', 'worker'])
      assert.equal(work.manifest, undefined, 'no module at the root')
      const self = inspect({'go.work': 'go 1.22\nuse .\n', 'go.mod': mod(), 'main.go': main('')})
      assert.equal(self.workspace, undefined)
    })

    it('makes draft detect report the modules as a monorepo instead of guessing', async () => {
      const server = main('http.ListenAndServe(":8080", nil)')
      const snapshot = memorySnapshot('/work/mono', {
        'go.work': 'go 1.26\n\nuse (\n\t./api\n\t./admin\n)\n',
        'api/go.mod': mod(),
        'api/main.go': server,
        'admin/go.mod': mod(),
        'admin/main.go': server,
      })
      const detection = await detectApp(snapshot, loadPacks({draftHome: '/nonexistent-draft-home'}))
      assert.equal(detection.pack, null)
      assert.deepEqual(detection.monorepo?.apps.map(a => [a.path, a.pack, a.framework]), [
        ['admin', 'go', 'net/http'],
        ['api', 'go', 'net/http'],
      ])
    })
  })

  describe('main package', () => {
    const server = main('http.ListenAndServe(":8080", nil)')
    const tool = 'package main\n\nfunc main() {}\n'

    it('prefers the root, and names the binary after the module (without /vN)', () => {
      const facts = inspect({'go.mod': 'module github.com/acme/billing/v3\n\ngo 1.26\n', 'main.go': server, 'cmd/tool/main.go': tool})
      assert.equal(facts.mainPackage?.value, '.')
      assert.equal(facts.binaryName?.value, 'billing')
      assert.equal(facts.startCommand?.value, '/app/billing')
      assert.deepEqual(facts.mainPackages?.value, ['.', './cmd/tool'])
    })

    it('among several cmd/ programs picks the one named after the module, and says how to choose another', () => {
      const facts = inspect({'go.mod': mod(), 'cmd/shop/main.go': server, 'cmd/admin/main.go': server})
      assert.equal(facts.mainPackage?.value, './cmd/shop')
      assert.match(facts.mainPackage!.evidence[0]!.detail, /named after the module example\.com\/shop; the others \(\.\/cmd\/admin\) can be chosen with --set mainPackage=PATH/)
      assert.equal(facts.mainPackage?.evidence[0]?.file, 'cmd/shop/main.go')
      assert.equal(facts.binaryName?.value, 'shop')
    })

    it('then the one named after the app folder, then a server-like name, then the first', () => {
      const byFolder = inspect({'go.mod': mod(), 'cmd/storefront/main.go': server, 'cmd/server/main.go': server}, '/src/storefront')
      assert.equal(byFolder.mainPackage?.value, './cmd/storefront')
      const byName = inspect({'go.mod': mod(), 'cmd/migrate/main.go': tool, 'cmd/api/main.go': server, 'cmd/zz/main.go': tool})
      assert.equal(byName.mainPackage?.value, './cmd/api')
      const first = inspect({'go.mod': mod(), 'cmd/beta/main.go': tool, 'cmd/alpha/main.go': tool})
      assert.equal(first.mainPackage?.value, './cmd/alpha')
      assert.match(first.mainPackage!.evidence[0]!.detail, /first of 2 main packages/)
    })

    it('follows the Procfile web process to its program', () => {
      const facts = inspect({'go.mod': mod(), 'Procfile': 'web: bin/worker -v\n', 'cmd/server/main.go': server, 'cmd/worker/main.go': server})
      assert.equal(facts.mainPackage?.value, './cmd/worker')
      assert.equal(facts.startCommand?.value, '/app/worker -v')
      assert.equal(facts.startCommand?.evidence[0]?.file, 'Procfile')
    })

    it('does not take a Procfile command that needs a shell: the runtime image has none', () => {
      const facts = inspect({'go.mod': mod(), 'Procfile': 'web: bin/shop -port $PORT\n', 'main.go': server})
      assert.equal(facts.startCommand?.value, '/app/shop')
    })

    it('marks a module without a main package as a library', () => {
      assert.equal(inspect({'go.mod': mod(), 'shop.go': 'package shop\n\nfunc Price() int { return 1 }\n'}).library?.value, true)
      assert.equal(inspect({'go.mod': mod(), 'main.go': server}).library, undefined)
    })

    it('ignores a package main without func main, test files, testdata and examples', () => {
      const facts = inspect({
        'go.mod': mod(),
        'cmd/lib/doc.go': 'package main\n',
        'cmd/real/main.go': server,
        'examples/demo/main.go': tool,
        'testdata/x/main.go': tool,
        'main_test.go': 'package main\n\nfunc main() {}\n',
      })
      assert.deepEqual(facts.mainPackages, undefined)
      assert.equal(facts.mainPackage?.value, './cmd/real')
    })
  })

  describe('listening', () => {
    it('reads PORT with a default: the default is the port, PORT is set to it', () => {
      const facts = inspect({'go.mod': mod(), 'main.go': main('\tport := os.Getenv("PORT")\n\tif port == "" {\n\t\tport = "8081"\n\t}\n\thttp.ListenAndServe(":"+port, nil)', '"net/http"\n\t"os"')})
      assert.equal(facts.port?.value, 8081)
      assert.equal(facts.port?.evidence[0]?.line, 11)
      assert.equal(facts.portEnv?.value, 'PORT')
      assert.deepEqual(facts.env?.value, {PORT: '{{port}}'})
    })

    it('sets an address variable to ":port"', () => {
      const facts = inspect({'go.mod': mod(), 'main.go': main('\taddr := envOr("HTTP_ADDR", ":7070")\n\thttp.ListenAndServe(addr, nil)')})
      assert.equal(facts.port?.value, 7070)
      assert.deepEqual(facts.env?.value, {HTTP_ADDR: ':{{port}}'})
    })

    it('does not mistake a database port variable or address for the listen port', () => {
      const facts = inspect({
        'go.mod': mod(),
        'main.go': main('\tdb := os.Getenv("DATABASE_PORT")\n\tdsn := "localhost:5432"\n\t_ = db + dsn\n\thttp.ListenAndServe(":8000", nil)', '"net/http"\n\t"os"'),
      })
      assert.equal(facts.port?.value, 8000)
      assert.equal(facts.portEnv, undefined)
      assert.equal(facts.bindsLocalhost, undefined)
    })

    it('knows gin Run() with no address listens on PORT, 8080 by default', () => {
      const facts = inspect({'go.mod': mod('require github.com/gin-gonic/gin v1.10.0\n'), 'main.go': main('\tr := gin.Default()\n\tr.GET("/ping", ping)\n\tr.Run()', '"github.com/gin-gonic/gin"')})
      assert.equal(facts.port?.value, 8080)
      assert.equal(facts.portEnv?.value, 'PORT')
      assert.deepEqual(facts.env?.value, {PORT: '{{port}}'})
      assert.equal(facts.healthPath?.value, '/ping')
    })

    it('reads ports from echo, fiber and flag defaults', () => {
      assert.equal(inspect({'go.mod': mod(), 'main.go': main('\te := echo.New()\n\te.Logger.Fatal(e.Start(":1323"))')}).port?.value, 1323)
      assert.equal(inspect({'go.mod': mod(), 'main.go': main('\tapp := fiber.New()\n\tlog.Fatal(app.Listen(":3000"))')}).port?.value, 3000)
      assert.equal(inspect({'go.mod': mod(), 'main.go': main('\taddr := flag.String("addr", ":7000", "listen address")\n\tflag.Parse()')}).port?.value, 7000)
      assert.equal(inspect({'go.mod': mod(), 'main.go': main('\tport := flag.Int("port", 8088, "port")\n\tflag.Parse()')}).port?.value, 8088)
    })

    it('falls back to the usual port with evidence saying so', () => {
      const facts = inspect({'go.mod': mod(), 'main.go': main('\thttp.ListenAndServe(cfg.Addr, nil)')})
      assert.equal(facts.port?.value, 8080)
      assert.match(facts.port!.evidence[0]!.detail, /no port found/)
    })

    it('warns, with file and line, when the server listens on localhost only', () => {
      const facts = inspect({'go.mod': mod(), 'main.go': main('\tln, _ := net.Listen("tcp", "127.0.0.1:9000")\n\thttp.Serve(ln, nil)', '"net"\n\t"net/http"')})
      assert.equal(facts.port?.value, 9000)
      assert.equal(facts.bindsLocalhost?.value, true)
      assert.deepEqual({file: facts.bindsLocalhost?.evidence[0]?.file, line: facts.bindsLocalhost?.evidence[0]?.line}, {file: 'main.go', line: 9})
      const addr = inspect({'go.mod': mod(), 'main.go': main('\tsrv := &http.Server{Addr: "localhost:8080"}\n\tsrv.ListenAndServe()')})
      assert.equal(addr.bindsLocalhost?.value, true)
    })

    it('sets HOST to 0.0.0.0 when the app reads it, and then does not warn', () => {
      const facts = inspect({'go.mod': mod(), 'main.go': main('\thost := os.Getenv("HOST")\n\tif host == "" {\n\t\thost = "127.0.0.1"\n\t}\n\thttp.ListenAndServe(host+":8080", nil)')})
      assert.equal(facts.env?.value && (facts.env.value as Record<string, string>).HOST, '0.0.0.0')
      assert.equal(facts.bindsLocalhost, undefined)
    })

    it('ignores ports in test files', () => {
      const facts = inspect({'go.mod': mod(), 'main.go': main('\thttp.ListenAndServe(addr(), nil)'), 'main_test.go': 'package main\n\nvar a = ":9999"\n'})
      assert.equal(facts.port?.value, 8080)
    })
  })

  describe('health and cgo', () => {
    it('finds Go 1.22 method patterns and framework routes', () => {
      const facts = inspect({'go.mod': mod(), 'main.go': main(''), 'routes.go': 'package main\n\nfunc routes(mux *http.ServeMux) {\n\tmux.HandleFunc("GET /readyz", ready)\n\tmux.HandleFunc("GET /healthz", ok)\n}\n'})
      assert.deepEqual(facts.healthPath, {value: '/healthz', evidence: [{detail: 'route /healthz defined in source', file: 'routes.go', line: 5}]})
    })

    it('notices cgo from import "C" or a cgo-only module', () => {
      assert.equal(inspect({'go.mod': mod(), 'main.go': main(''), 'native.go': 'package main\n\n// #include <stdio.h>\nimport "C"\n'}).cgo?.value, true)
      assert.equal(inspect({'go.mod': mod('require github.com/mattn/go-sqlite3 v1.14.22\n'), 'main.go': main('')}).cgo?.value, true)
      assert.equal(inspect({'go.mod': mod(), 'main.go': main('')}).cgo, undefined)
    })
  })
})
