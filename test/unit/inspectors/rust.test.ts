import assert from 'node:assert/strict'

import {detectApp} from '../../../src/detect/detect.js'
import {rustInspector} from '../../../src/detect/inspectors/rust.js'
import {memorySnapshot} from '../../../src/detect/snapshot.js'
import {loadPacks} from '../../../src/pack-model/registry.js'

const inspect = (files: Record<string, string>) => rustInspector.inspect(memorySnapshot('/work/app', files))
const cargo = (deps = '', extra = '') => `[package]\nname = "shop"\nversion = "0.1.0"\nedition = "2021"\n${extra}\n[dependencies]\n${deps}`
const env = (facts: ReturnType<typeof inspect>) => facts.env?.value as Record<string, string> | undefined

describe('rust inspector', () => {
  it('reports nothing without Cargo.toml, and only the manifest when it does not parse', () => {
    assert.deepEqual(inspect({'src/main.rs': 'fn main() {}\n'}), {})
    assert.deepEqual(Object.keys(inspect({'Cargo.toml': '[package\nname = "x"'})), ['manifest'])
  })

  describe('version', () => {
    it('takes rust-toolchain.toml first, then rust-toolchain, then rust-version, with lines', () => {
      const base = {'Cargo.toml': cargo('', 'rust-version = "1.80"'), 'src/main.rs': 'fn main() {}\n'}
      assert.deepEqual(inspect(base).version, {value: '>=1.80', evidence: [{detail: 'rust-version = "1.80" in Cargo.toml', file: 'Cargo.toml', line: 5}]})
      assert.equal(inspect({...base, 'rust-toolchain': '1.82.0\n'}).version?.value, '1.82.0')
      const toml = inspect({...base, 'rust-toolchain.toml': '[toolchain]\nchannel = "1.85"\ncomponents = ["clippy"]\n'})
      assert.deepEqual(toml.version?.evidence[0], {detail: 'rust-toolchain.toml pins 1.85', file: 'rust-toolchain.toml', line: 2})
    })

    it('skips a channel that names no version, and follows rust-version.workspace', () => {
      assert.equal(inspect({'Cargo.toml': cargo('', 'rust-version = "1.80"'), 'rust-toolchain.toml': '[toolchain]\nchannel = "stable"\n'}).version?.value, '>=1.80')
      const inherited = '[workspace]\nmembers = []\n[workspace.package]\nrust-version = "1.83"\n\n' + cargo('', 'rust-version.workspace = true')
      assert.equal(inspect({'Cargo.toml': inherited, 'src/main.rs': 'fn main() {}\n'}).version?.value, '>=1.83')
    })
  })

  describe('binaries', () => {
    it('names the binary after the package by default, and the start command after it', () => {
      const facts = inspect({'Cargo.toml': cargo(), 'src/main.rs': 'fn main() {}\n', 'Cargo.lock': 'version = 4\n'})
      assert.equal(facts.binaryName?.value, 'shop')
      assert.equal(facts.startCommand?.value, '/app/shop')
      assert.equal(facts.placeholders?.value, 'src/main.rs')
      assert.equal(facts.lockfile?.value, true)
    })

    it('reads [[bin]] targets and prefers the package-named one, then a server-like one', () => {
      const bins = '[[bin]]\nname = "migrate"\npath = "src/bin/migrate.rs"\n\n[[bin]]\nname = "shop-server"\npath = "src/server.rs"\n'
      const facts = inspect({'Cargo.toml': cargo('', '') + '\n' + bins, 'src/server.rs': 'fn main() {}\n', 'src/bin/migrate.rs': 'fn main() {}\n'})
      assert.equal(facts.binaryName?.value, 'shop-server')
      assert.match(facts.binaryName!.evidence[0]!.detail, /named like a server; the others \(migrate\) can be chosen with --set binaryName=NAME/)
      assert.deepEqual(facts.binaries?.value, ['migrate', 'shop-server'])
      assert.equal(facts.placeholders?.value, 'src/bin/migrate.rs src/server.rs')
      const own = inspect({'Cargo.toml': cargo(), 'src/main.rs': 'fn main() {}\n', 'src/bin/seed.rs': 'fn main() {}\n'})
      assert.equal(own.binaryName?.value, 'shop')
    })

    it('marks a crate without a binary as a library', () => {
      assert.equal(inspect({'Cargo.toml': cargo(), 'src/lib.rs': 'pub fn f() {}\n'}).library?.value, true)
      assert.equal(inspect({'Cargo.toml': cargo(), 'src/main.rs': 'fn main() {}\n'}).library, undefined)
    })

    it('follows a Procfile web process to its binary', () => {
      const facts = inspect({'Cargo.toml': cargo(), 'src/main.rs': 'fn main() {}\n', 'src/bin/api.rs': 'fn main() {}\n', 'Procfile': 'web: ./target/release/api --verbose\n'})
      assert.equal(facts.binaryName?.value, 'api')
      assert.equal(facts.startCommand?.value, '/app/api --verbose')
    })

    it('stubs the build script as well, so that its build-dependencies are cached with the others', () => {
      assert.equal(inspect({'Cargo.toml': cargo(), 'src/main.rs': 'fn main() {}\n', 'build.rs': 'fn main() {}\n'}).placeholders?.value, 'src/main.rs build.rs')
      assert.equal(inspect({'Cargo.toml': cargo('', 'build = "tools/gen.rs"'), 'src/main.rs': ''}).placeholders?.value, 'src/main.rs tools/gen.rs')
      assert.equal(inspect({'Cargo.toml': cargo('', 'build = false'), 'src/main.rs': '', 'build.rs': ''}).placeholders?.value, 'src/main.rs')
    })

    it('builds in one step when path dependencies or a workspace need files not yet copied', () => {
      const path = inspect({'Cargo.toml': cargo('core = { path = "../core" }\n'), 'src/main.rs': 'fn main() {}\n'})
      assert.equal(path.placeholders?.value, '')
      const both = inspect({'Cargo.toml': '[workspace]\nmembers = ["crates/*"]\n\n' + cargo(), 'src/main.rs': 'fn main() {}\n'})
      assert.equal(both.placeholders, undefined)
      assert.equal(both.workspace, undefined, 'a root package makes it an app, not only a workspace')
    })

    it('is a workspace when the root declares [workspace] without a [package]', () => {
      const facts = inspect({'Cargo.toml': '[workspace]\nresolver = "2"\nmembers = ["api", "worker"]\n'})
      assert.equal(facts.workspace?.value, true)
      assert.deepEqual(facts.members?.value, ['api', 'worker'])
      assert.equal(facts.workspace?.evidence[0]?.line, 1)
    })
  })

  describe('frameworks and listening', () => {
    it('warns when actix binds 127.0.0.1, with the line', () => {
      const main = 'use actix_web::{App, HttpServer};\n\n#[actix_web::main]\nasync fn main() -> std::io::Result<()> {\n    HttpServer::new(|| App::new())\n        .bind(("127.0.0.1", 8080))?\n        .run()\n        .await\n}\n'
      const facts = inspect({'Cargo.toml': cargo('actix-web = "4"\n'), 'src/main.rs': main})
      assert.equal(facts.framework?.value, 'actix-web')
      assert.equal(facts.port?.value, 8080)
      assert.deepEqual(facts.bindsLocalhost?.evidence[0], {detail: 'binds to 127.0.0.1 only: the container will not answer; bind to 0.0.0.0', file: 'src/main.rs', line: 6})
    })

    it('reads axum and warp socket addresses, and does not warn on 0.0.0.0', () => {
      const axum = inspect({'Cargo.toml': cargo('axum = "0.8"\ntokio = { version = "1", features = ["full"] }\n'), 'src/main.rs': 'let addr = SocketAddr::from(([0, 0, 0, 0], 4000));\n'})
      assert.equal(axum.port?.value, 4000)
      assert.equal(axum.bindsLocalhost, undefined)
      const warp = inspect({'Cargo.toml': cargo('warp = "0.3"\n'), 'src/main.rs': 'warp::serve(routes).run(([127, 0, 0, 1], 3030)).await;\nlet health = warp::path("healthz").map(|| "ok");\n'})
      assert.equal(warp.port?.value, 3030)
      assert.equal(warp.bindsLocalhost?.value, true)
      assert.equal(warp.healthPath?.value, '/healthz')
      const tcp = inspect({'Cargo.toml': cargo(), 'src/main.rs': 'use std::net::TcpListener;\nfn main() { let l = TcpListener::bind("0.0.0.0:9000").unwrap(); }\n'})
      assert.equal(tcp.port?.value, 9000)
      assert.equal(tcp.framework?.value, 'std')
    })

    it('takes the default of a PORT variable and sets PORT', () => {
      const facts = inspect({'Cargo.toml': cargo('axum = "0.8"\n'), 'src/main.rs': 'let port = std::env::var("PORT")\n    .unwrap_or_else(|_| "8123".to_string());\n'})
      assert.equal(facts.port?.value, 8123)
      assert.equal(facts.portEnv?.value, 'PORT')
      assert.deepEqual(env(facts), {PORT: '{{port}}'})
    })

    it('sets an address variable and HOST, and then does not warn about a localhost default', () => {
      const facts = inspect({'Cargo.toml': cargo(), 'src/main.rs': 'let addr = env::var("BIND_ADDR").unwrap_or("127.0.0.1:8080".into());\nlet l = TcpListener::bind("127.0.0.1:8080");\n'})
      assert.deepEqual(env(facts), {BIND_ADDR: '0.0.0.0:{{port}}'})
      assert.equal(facts.bindsLocalhost, undefined)
      const host = inspect({'Cargo.toml': cargo(), 'src/main.rs': 'let host = env::var("HOST").unwrap_or("127.0.0.1".into());\nserver.bind((host.as_str(), 8080));\n'})
      assert.equal(env(host)?.HOST, '0.0.0.0')
    })

    it('tells Rocket to listen on every interface, and reads its port from Rocket.toml', () => {
      const facts = inspect({'Cargo.toml': cargo('rocket = "0.5"\n'), 'src/main.rs': '#[get("/health")]\nfn health() -> &\'static str { "ok" }\n', 'Rocket.toml': '[default]\nport = 8800\n'})
      assert.equal(facts.framework?.value, 'rocket')
      assert.equal(facts.port?.value, 8800)
      assert.deepEqual(env(facts), {ROCKET_ADDRESS: '0.0.0.0', ROCKET_PORT: '{{port}}'})
      assert.equal(facts.healthPath?.value, '/health')
      assert.equal(inspect({'Cargo.toml': cargo('rocket = "0.5"\n'), 'src/main.rs': ''}).port?.value, 8000)
    })

    it('does not take an unrelated (string, number) pair for a binding', () => {
      const facts = inspect({'Cargo.toml': cargo('axum = "0.8"\n'), 'src/main.rs': 'let r = header("x-retry", 30);\nlet t = ("name", 12345);\n'})
      assert.equal(facts.port?.value, 3000)
    })
  })

  describe('system packages', () => {
    it('installs OpenSSL for openssl-sys, CA certificates for native roots', () => {
      const openssl = inspect({'Cargo.toml': cargo(), 'src/main.rs': '', 'Cargo.lock': '[[package]]\nname = "openssl-sys"\nversion = "0.9.0"\n'})
      assert.equal(openssl.buildPackages?.value, 'pkg-config libssl-dev')
      assert.equal(openssl.runtimePackages?.value, 'ca-certificates libssl3')
      const rustls = inspect({'Cargo.toml': cargo(), 'src/main.rs': '', 'Cargo.lock': '[[package]]\nname = "rustls-native-certs"\n'})
      assert.equal(rustls.runtimePackages?.value, 'ca-certificates')
      assert.equal(rustls.buildPackages, undefined)
    })
  })

  it('makes draft detect report a Cargo workspace of two services as a monorepo', async () => {
    const service = (name: string) => ({
      [`${name}/Cargo.toml`]: `[package]\nname = "${name}"\nversion = "0.1.0"\n\n[dependencies]\naxum = "0.8"\n`,
      [`${name}/src/main.rs`]: 'use axum::Router;\nfn main() {}\n',
    })
    const snapshot = memorySnapshot('/work/mono', {'Cargo.toml': '[workspace]\nmembers = ["api", "admin"]\n', ...service('api'), ...service('admin')})
    const detection = await detectApp(snapshot, loadPacks({draftHome: '/nonexistent-draft-home'}))
    assert.equal(detection.pack, null)
    assert.deepEqual(detection.monorepo?.apps.map(a => [a.path, a.pack, a.framework]), [
      ['admin', 'rust', 'axum'],
      ['api', 'rust', 'axum'],
    ])
  })
})
