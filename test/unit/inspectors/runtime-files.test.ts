import assert from 'node:assert/strict'

import {goInspector} from '../../../src/detect/inspectors/go.js'
import {javaInspector} from '../../../src/detect/inspectors/java.js'
import {AppConfig} from '../../../src/detect/inspectors/jvm.js'
import {configFilePort, flattenConfig, literalPath, runtimeFiles} from '../../../src/detect/inspectors/runtime-files.js'
import {rustInspector} from '../../../src/detect/inspectors/rust.js'
import {memorySnapshot} from '../../../src/detect/snapshot.js'

const goMod = 'module example.com/site\n\ngo 1.26\n'
const goMain = (body: string, top = '') => `package main\n\nimport "net/http"\n${top}\nfunc main() {\n${body}\n}\n`

describe('files read at run time', () => {
  it('turns a literal into the path it names, a glob into its folder', () => {
    assert.equal(literalPath('templates/*.html'), 'templates')
    assert.equal(literalPath('./static/'), 'static')
    assert.equal(literalPath('web/templates/**/*.tmpl'), 'web/templates')
    assert.equal(literalPath('file://migrations'), 'migrations')
    assert.equal(literalPath('config.yaml'), 'config.yaml')
    for (const not of ['*.html', '/etc/app.conf', 'https://example.com/x', '../shared/x', 'GET /static/', '%s/%s', '']) assert.equal(literalPath(not), undefined, not)
  })

  it('finds paths the code names that exist and are not source, with the line of each', () => {
    const snapshot = memorySnapshot('/a', {
      'main.go': 'package main\n\nfunc main() {\n\tt := template.Must(template.ParseGlob("templates/*.html"))\n\thttp.Handle("/s/", http.FileServer(http.Dir("./static")))\n\tos.ReadFile("config.yaml")\n\tos.ReadFile("missing.json")\n\tos.ReadFile("main.go")\n\tos.ReadFile("templates/page.html")\n}\n',
      'templates/page.html': '<p>',
      'static/app.css': 'p{}',
      'config.yaml': 'port: 1\n',
    })
    const found = runtimeFiles(snapshot, {sources: ['main.go'], base: '', sourceExtensions: ['.go']})
    assert.deepEqual(found?.value, ['templates', 'static', 'config.yaml'])
    assert.deepEqual(found?.evidence[0], {detail: 'the program reads "templates/*.html" at run time: templates/ is copied next to it', file: 'main.go', line: 4, key: 'templates'})
  })

  it('leaves out what is compiled in, what is excluded, and folders of source; takes conventional asset folders', () => {
    const snapshot = memorySnapshot('/a', {
      'main.go': 'package main\nvar x = "assets"\nvar y = "internal/db"\nvar z = "src/main/resources/app.properties"\n',
      'assets/logo.svg': '<svg/>',
      'internal/db/db.go': 'package db\n',
      'src/main/resources/app.properties': 'a=1\n',
      'public/index.html': '<p>',
      'web/package.json': '{}',
      'web/index.html': '<p>',
      'views/page.go': 'package views\n',
    })
    const found = runtimeFiles(snapshot, {
      sources: ['main.go'],
      base: '',
      sourceExtensions: ['.go'],
      embedded: [{path: 'assets', evidence: {detail: 'embed'}}],
      exclude: ['src'],
      conventional: ['public', 'web', 'views', 'templates'],
    })
    assert.deepEqual(found?.value, ['public'])
  })

  it('go: //go:embed keeps a folder out; the binary runs from /app with the rest beside it', () => {
    const facts = goInspector.inspect(memorySnapshot('/a', {
      'go.mod': goMod,
      'main.go': goMain('\tpages := template.Must(template.ParseFS(content, "web/templates/*.html"))\n\thttp.Handle("/", http.FileServer(http.Dir("public")))', '\n//go:embed web/templates\nvar content embed.FS\n'),
      'web/templates/index.html': '<p>',
      'public/robots.txt': '',
      'migrations/001.sql': 'create table t();',
    }))
    assert.deepEqual(facts.runtimeFiles?.value, ['public', 'migrations'])
    assert.equal(facts.runtimeFiles?.evidence[1]?.detail, 'migrations/ holds files a server reads at run time (by convention): copied next to the program')
  })

  describe('a port in a config file the program reads', () => {
    it('flattens JSON, YAML, TOML and properties files', () => {
      assert.deepEqual([...flattenConfig('a.json', '{"server": {"port": 9300}, "name": "x"}')], [['server.port', '9300'], ['name', 'x']])
      assert.deepEqual([...flattenConfig('a.yaml', 'http:\n  addr: ":7000"\n')], [['http.addr', ':7000']])
      assert.deepEqual([...flattenConfig('a.toml', '[server]\nport = 8088\n')], [['server.port', '8088']])
      assert.deepEqual([...flattenConfig('a.properties', '# c\nhttp.port=9001\n[x]\ny: 2\n')], [['http.port', '9001'], ['x.y', '2']])
      assert.deepEqual([...flattenConfig('a.json', '{broken')], [])
    })

    it('takes the app\'s port when the code reads that key, never a database\'s', () => {
      const snapshot = memorySnapshot('/a', {
        'config/app.yaml': 'database:\n  port: 5432\nserver:\n  host: 0.0.0.0\n  port: 8181\n',
        'main.go': 'type C struct {\n\tPort int `yaml:"port"`\n}\n',
        'other.yaml': 'port: 1234\n',
      })
      const port = configFilePort(snapshot, ['config/app.yaml', 'other.yaml'], ['main.go'])
      assert.deepEqual(port, {
        value: 8181,
        evidence: [
          {detail: 'server.port = 8181 in config/app.yaml, which the program reads', file: 'config/app.yaml', line: 2},
          {detail: 'the code reads port from its config', file: 'main.go', line: 2},
        ],
      })
      assert.equal(configFilePort(snapshot, ['config/app.yaml'], []), undefined, 'no code reads it')
      const address = memorySnapshot('/a', {'c.toml': '[http]\nlisten_addr = "0.0.0.0:7070"\n', 'src/main.rs': 'struct Http { listen_addr: String }\n'})
      assert.equal(configFilePort(address, ['c.toml'], ['src/main.rs'])?.value, 7070)
    })

    it('go: the config port comes after a port in the listen call, before defaults in code', () => {
      const files = {
        'go.mod': goMod,
        'config/server.json': '{"server": {"port": 9300}}',
        'main.go': goMain('\traw, _ := os.ReadFile("config/server.json")\n\taddr := flag.String("addr", ":8080", "listen")\n\t_ = raw\n\thttp.ListenAndServe(*addr, nil)', '\ntype cfg struct{ Port int `json:"port"` }\n'),
      }
      const facts = goInspector.inspect(memorySnapshot('/a', files))
      assert.equal(facts.port?.value, 9300)
      assert.deepEqual(facts.runtimeFiles?.value, ['config/server.json'])
      const literal = goInspector.inspect(memorySnapshot('/a', {...files, 'main.go': files['main.go'].replace('http.ListenAndServe(*addr, nil)', 'http.ListenAndServe(":7000", nil)')}))
      assert.equal(literal.port?.value, 7000)
    })
  })

  it('rust: include_str!, rust-embed and sqlx::migrate! are compiled in; Tera templates and a config file are read', () => {
    const facts = rustInspector.inspect(memorySnapshot('/a', {
      'Cargo.toml': '[package]\nname = "shop"\nversion = "0.1.0"\n\n[dependencies]\naxum = "0.8"\ntera = "1"\n',
      'src/main.rs': 'static SQL: &str = include_str!("../sql/init.sql");\n#[derive(RustEmbed)]\n#[folder = "assets/"]\nstruct Assets;\nfn main() {\n    sqlx::migrate!("./migrations");\n    let tera = Tera::new("templates/**/*").unwrap();\n    let cfg = std::fs::read_to_string("Settings.toml").unwrap();\n    let app = Router::new().nest_service("/assets", ServeDir::new("assets"));\n}\nstruct Settings { port: u16 }\n',
      'sql/init.sql': 'create table t();',
      'assets/app.js': '',
      'migrations/1.sql': '',
      'templates/index.html': '',
      'Settings.toml': 'port = 8123\n',
    }))
    assert.deepEqual(facts.runtimeFiles?.value, ['templates', 'Settings.toml'])
    assert.equal(facts.port?.value, 8123)
  })

  describe('JVM', () => {
    const pom = '<project><modelVersion>4.0.0</modelVersion><groupId>a</groupId><artifactId>app</artifactId><version>1</version><properties><maven.compiler.release>17</maven.compiler.release></properties></project>'
    it('copies files read outside src/, and takes the port from a properties file the code loads', () => {
      const facts = javaInspector.inspect(memorySnapshot('/a', {
        'pom.xml': pom,
        'src/main/java/a/Main.java': 'package a;\npublic class Main {\n  public static void main(String[] args) throws Exception {\n    var p = new java.util.Properties();\n    p.load(new java.io.FileInputStream("conf/server.properties"));\n    var rates = java.nio.file.Files.readString(java.nio.file.Path.of("data/rates.csv"));\n    var s = HttpServer.create(new InetSocketAddress(Integer.parseInt(p.getProperty("http.port"))), 0);\n  }\n}\n',
        'conf/server.properties': 'http.port=9191\n',
        'data/rates.csv': 'a,1\n',
      }))
      assert.deepEqual(facts.runtimeFiles?.value, ['conf/server.properties', 'data/rates.csv'])
      assert.equal(facts.port?.value, 9191)
      assert.equal(facts.port?.evidence[0]?.file, 'conf/server.properties')
    })

    it('a resource loaded by name is in the jar: its port counts, nothing is copied', () => {
      const facts = javaInspector.inspect(memorySnapshot('/a', {
        'pom.xml': pom,
        'src/main/java/a/Main.java': 'package a;\npublic class Main {\n  public static void main(String[] a) throws Exception {\n    var p = new java.util.Properties();\n    p.load(Main.class.getResourceAsStream("/app.properties"));\n    int port = Integer.parseInt(p.getProperty("port"));\n  }\n}\n',
        'src/main/resources/app.properties': 'port=8484\n',
      }))
      assert.equal(facts.runtimeFiles, undefined)
      assert.equal(facts.port?.value, 8484)
    })

    it('Spring Boot: config files in the working directory are copied and win over the jar\'s; the active profile applies', () => {
      const boot = '<project><modelVersion>4.0.0</modelVersion><parent><groupId>org.springframework.boot</groupId><artifactId>spring-boot-starter-parent</artifactId><version>3.5.7</version></parent><artifactId>app</artifactId><version>1</version><build><plugins><plugin><groupId>org.springframework.boot</groupId><artifactId>spring-boot-maven-plugin</artifactId></plugin></plugins></build></project>'
      const facts = javaInspector.inspect(memorySnapshot('/a', {
        'pom.xml': boot,
        'src/main/java/a/App.java': '@SpringBootApplication\npublic class App { public static void main(String[] a) {} }\n',
        'src/main/resources/application.properties': 'server.port=8080\nspring.profiles.active=prod\n',
        'src/main/resources/application-prod.yml': 'server:\n  port: 8443\n',
        'config/application.yml': 'greeting: hi\n',
      }))
      assert.equal(facts.port?.value, 8443)
      assert.equal(facts.port?.evidence[0]?.file, 'src/main/resources/application-prod.yml')
      assert.deepEqual(facts.runtimeFiles?.value, ['config/application.yml'])
    })

    it('profile documents of one YAML file apply when their profile is active', () => {
      const config = AppConfig.read(memorySnapshot('/a', {'r/application.yml': 'server:\n  port: 8000\nspring:\n  profiles:\n    active: cloud\n---\nspring:\n  config:\n    activate:\n      on-profile: cloud\nserver:\n  port: 9000\n---\nspring:\n  config:\n    activate:\n      on-profile: local\nserver:\n  port: 7000\n'}), ['r'])
      assert.equal(config.get('server.port')?.value, '9000')
      assert.equal(AppConfig.read(memorySnapshot('/a', {'r/application.yml': 'server:\n  port: 8000\n---\nspring.config.activate.on-profile: cloud\nserver:\n  port: 9000\n'}), ['r']).get('server.port')?.value, '8000')
    })
  })
})
