import assert from 'node:assert/strict'

import {detectApp} from '../../../src/detect/detect.js'
import {dotnetInspector, parseProject, parseUrls, solutionProjects, stripJsonComments} from '../../../src/detect/inspectors/dotnet.js'
import {memorySnapshot} from '../../../src/detect/snapshot.js'
import {loadPacks} from '../../../src/pack-model/registry.js'

const inspect = (files: Record<string, string>, root = '/work/app') => dotnetInspector.inspect(memorySnapshot(root, files))
const csproj = (body = '', sdk = 'Microsoft.NET.Sdk.Web', tfm = 'net8.0') =>
  `<Project Sdk="${sdk}">\n  <PropertyGroup>\n    <TargetFramework>${tfm}</TargetFramework>\n  </PropertyGroup>\n${body}</Project>\n`
const program = 'var builder = WebApplication.CreateBuilder(args);\nvar app = builder.Build();\napp.MapGet("/", () => "hi");\napp.Run();\n'
const env = (facts: ReturnType<typeof inspect>) => facts.env?.value as Record<string, string> | undefined
const sln = (...projects: string[]) =>
  `Microsoft Visual Studio Solution File, Format Version 12.00\n${projects.map((p, i) => `Project("{FAE04EC0-301F-11D3-BF4B-00C04F79EFBC}") = "P${i}", "${p}", "{00000000-0000-0000-0000-00000000000${i}}"\nEndProject\n`).join('')}Global\nEndGlobal\n`

describe('dotnet inspector', () => {
  it('reports nothing without a project or a solution', () => {
    assert.deepEqual(inspect({'Program.cs': program, 'appsettings.json': '{}'}), {})
  })

  describe('project files', () => {
    it('knows the web SDK in its three spellings and the AspNetCore framework reference', () => {
      assert.equal(parseProject('a.csproj', csproj()).web, true)
      assert.equal(parseProject('a.csproj', '<Project>\n  <Sdk Name="Microsoft.NET.Sdk.Web" />\n</Project>').web, true)
      assert.equal(parseProject('a.csproj', '<Project Sdk="Microsoft.NET.Sdk.Web/8.0.0"></Project>').sdk, 'Microsoft.NET.Sdk.Web')
      assert.equal(parseProject('a.csproj', '<Project>\n<Import Project="Sdk.props" Sdk="Microsoft.NET.Sdk.Web" />\n</Project>').web, true)
      assert.equal(parseProject('a.csproj', csproj('<ItemGroup><FrameworkReference Include="Microsoft.AspNetCore.App" /></ItemGroup>\n', 'Microsoft.NET.Sdk')).web, true)
      assert.equal(parseProject('a.csproj', csproj('', 'Microsoft.NET.Sdk')).web, false)
    })

    it('recognises test projects by property, package or name', () => {
      assert.equal(parseProject('t/A.csproj', csproj('<PropertyGroup><IsTestProject>true</IsTestProject></PropertyGroup>\n', 'Microsoft.NET.Sdk')).test, true)
      assert.equal(parseProject('t/A.csproj', csproj('<ItemGroup><PackageReference Include="Microsoft.NET.Test.Sdk" Version="17.12.0" /></ItemGroup>\n', 'Microsoft.NET.Sdk')).test, true)
      assert.equal(parseProject('t/Shop.IntegrationTests.csproj', csproj('', 'Microsoft.NET.Sdk')).test, true)
      assert.equal(parseProject('t/Contests.csproj', csproj()).test, false)
    })

    it('reads the assembly name unless it is an MSBuild expression, and resolves references', () => {
      const p = parseProject('src/Api/Api.csproj', csproj('<PropertyGroup><AssemblyName>Shop.Api</AssemblyName></PropertyGroup>\n<ItemGroup><ProjectReference Include="..\\Core\\Core.csproj" /></ItemGroup>\n'))
      assert.equal(p.assemblyName, 'Shop.Api')
      assert.deepEqual(p.references, ['src/Core/Core.csproj'])
      assert.equal(parseProject('Api.csproj', csproj('<PropertyGroup><AssemblyName>$(MSBuildProjectName).Host</AssemblyName></PropertyGroup>\n')).assemblyName, 'Api')
    })

    it('lists the projects of a .sln (backslashes) and a .slnx', () => {
      const snapshot = memorySnapshot('/a', {'A.sln': sln('src\\Api\\Api.csproj', 'tests\\Api.Tests\\Api.Tests.csproj'), 'B.slnx': '<Solution>\n  <Project Path="src/Web/Web.csproj" />\n</Solution>\n'})
      assert.deepEqual(solutionProjects(snapshot, 'A.sln'), ['src/Api/Api.csproj', 'tests/Api.Tests/Api.Tests.csproj'])
      assert.deepEqual(solutionProjects(snapshot, 'B.slnx'), ['src/Web/Web.csproj'])
    })
  })

  describe('choosing the project', () => {
    const layout = {
      'Shop.sln': sln('src\\Shop.Api\\Shop.Api.csproj', 'src\\Shop.Core\\Shop.Core.csproj', 'tests\\Shop.Api.Tests\\Shop.Api.Tests.csproj'),
      'src/Shop.Api/Shop.Api.csproj': csproj('<ItemGroup>\n    <ProjectReference Include="..\\Shop.Core\\Shop.Core.csproj" />\n  </ItemGroup>\n'),
      'src/Shop.Api/Program.cs': program,
      'src/Shop.Core/Shop.Core.csproj': csproj('<ItemGroup><ProjectReference Include="..\\Shop.Model\\Shop.Model.csproj" /></ItemGroup>\n', 'Microsoft.NET.Sdk'),
      'src/Shop.Model/Shop.Model.csproj': csproj('', 'Microsoft.NET.Sdk'),
      'tests/Shop.Api.Tests/Shop.Api.Tests.csproj': csproj('<ItemGroup><PackageReference Include="Microsoft.NET.Test.Sdk" Version="17.12.0" /></ItemGroup>\n', 'Microsoft.NET.Sdk'),
      'global.json': '{\n  // pinned for CI\n  "sdk": {\n    "version": "9.0.100"\n  }\n}\n',
      'Directory.Packages.props': '<Project />\n',
      'src/Directory.Build.props': '<Project />\n',
    }

    it('takes the web project of the solution, with its references (transitively) and restore inputs', () => {
      const facts = inspect(layout)
      assert.equal(facts.project?.value, 'src/Shop.Api/Shop.Api.csproj')
      assert.equal(facts.projectFiles?.value, 'src/Shop.Api/Shop.Api.csproj src/Shop.Core/Shop.Core.csproj src/Shop.Model/Shop.Model.csproj')
      assert.equal(facts.restoreFiles?.value, 'global.json Directory.Packages.props src/Directory.Build.props')
      assert.equal(facts.assemblyName?.value, 'Shop.Api')
      assert.equal(facts.startCommand?.value, 'dotnet Shop.Api.dll')
      assert.deepEqual(facts.sdkVersion, {value: '9.0.100', evidence: [{detail: 'global.json pins SDK 9.0.100 (rollForward latestPatch: that feature band only)', file: 'global.json', line: 4}]})
      assert.equal(facts.workspace, undefined)
    })

    it('asks for the newest SDK of the release only when global.json lets it roll forward past its band', () => {
      const sdk = (json: string) => inspect({'Api.csproj': csproj(), 'global.json': json}).sdkVersion?.value
      assert.equal(sdk('{"sdk": {"version": "8.0.404", "rollForward": "latestFeature"}}'), '8.0')
      assert.equal(sdk('{"sdk": {"version": "8.0.404", "rollForward": "disable"}}'), '8.0.404')
      assert.equal(sdk('{"sdk": {"version": "8.0.404"}}'), '8.0.404')
      assert.equal(sdk('{"msbuild-sdks": {}}'), undefined)
    })

    it('reports a solution of several web projects as a workspace, still naming one', () => {
      const facts = inspect({
        'Shop.sln': sln('src\\Shop.Admin\\Shop.Admin.csproj', 'src\\Shop.Api\\Shop.Api.csproj'),
        'src/Shop.Admin/Shop.Admin.csproj': csproj(),
        'src/Shop.Api/Shop.Api.csproj': csproj(),
      })
      assert.equal(facts.workspace?.value, true)
      assert.equal(facts.project?.value, 'src/Shop.Api/Shop.Api.csproj')
      assert.match(facts.project!.evidence[0]!.detail, /named after Shop\.sln; the others \(src\/Shop\.Admin\/Shop\.Admin\.csproj\) can be chosen with --set project=PATH/)
    })

    it('marks a class library, or a folder of only tests, as having nothing to run', () => {
      const lib = inspect({'Core/Core.csproj': csproj('', 'Microsoft.NET.Sdk')})
      assert.deepEqual(lib.library, {value: true, evidence: [{detail: 'Core is a class library: nothing to run', file: 'Core/Core.csproj'}]})
      assert.equal(inspect({'A.Tests.csproj': csproj('<PropertyGroup><IsTestProject>true</IsTestProject></PropertyGroup>\n', 'Microsoft.NET.Sdk')}).library?.value, true)
      assert.equal(inspect({'Api.csproj': csproj()}).library, undefined)
      assert.equal(inspect({'Worker.csproj': csproj('', 'Microsoft.NET.Sdk.Worker')}).library, undefined)
    })

    it('falls back to an executable when there is no web project', () => {
      const facts = inspect({'Lib/Lib.csproj': csproj('', 'Microsoft.NET.Sdk'), 'Worker/Worker.csproj': csproj('', 'Microsoft.NET.Sdk.Worker')})
      assert.equal(facts.project?.value, 'Worker/Worker.csproj')
      assert.equal(facts.framework, undefined)
      assert.equal(facts.web, undefined)
    })
  })

  describe('version', () => {
    it('maps TargetFramework to the runtime version, with the line', () => {
      assert.deepEqual(inspect({'Api.csproj': csproj()}).version, {value: '8.0', evidence: [{detail: '<TargetFramework>net8.0</TargetFramework>', file: 'Api.csproj', line: 3}]})
      assert.equal(inspect({'Api.csproj': csproj('', 'Microsoft.NET.Sdk.Web', 'netcoreapp3.1')}).version?.value, '3.1')
    })

    it('takes the highest of several frameworks, and publishes that one', () => {
      const facts = inspect({'Api.csproj': '<Project Sdk="Microsoft.NET.Sdk.Web">\n  <PropertyGroup>\n    <TargetFrameworks>net8.0;net10.0;net9.0</TargetFrameworks>\n  </PropertyGroup>\n</Project>\n'})
      assert.equal(facts.version?.value, '10.0')
      assert.equal(facts.targetFramework?.value, 'net10.0')
    })

    it('reads TargetFramework from a Directory.Build.props above the project', () => {
      const facts = inspect({'src/Api/Api.csproj': '<Project Sdk="Microsoft.NET.Sdk.Web" />\n', 'Directory.Build.props': '<Project>\n  <PropertyGroup>\n    <TargetFramework>net9.0</TargetFramework>\n  </PropertyGroup>\n</Project>\n'})
      assert.deepEqual(facts.version?.evidence[0], {detail: '<TargetFramework>net9.0</TargetFramework>', file: 'Directory.Build.props', line: 3})
    })

    it('sets ASPNETCORE_HTTP_PORTS from .NET 8 on, ASPNETCORE_URLS before', () => {
      assert.deepEqual(env(inspect({'Api.csproj': csproj()})), {ASPNETCORE_HTTP_PORTS: '{{port}}'})
      assert.deepEqual(env(inspect({'Api.csproj': csproj('', 'Microsoft.NET.Sdk.Web', 'net6.0')})), {ASPNETCORE_URLS: 'http://+:{{port}}'})
    })
  })

  describe('listening', () => {
    it('defaults to 8080, the .NET container port', () => {
      const facts = inspect({'Api.csproj': csproj(), 'Program.cs': program})
      assert.equal(facts.port?.value, 8080)
      assert.equal(facts.bindsLocalhost, undefined)
    })

    it('takes the dotnet run port from launchSettings.json, without warning about its localhost', () => {
      const launch = '{\n  "profiles": {\n    "https": {\n      "commandName": "Project",\n      "applicationUrl": "https://localhost:7001;http://localhost:5001"\n    },\n    "IIS Express": {\n      "commandName": "IISExpress"\n    }\n  }\n}\n'
      const facts = inspect({'Api.csproj': csproj(), 'Properties/launchSettings.json': launch})
      assert.equal(facts.port?.value, 5001)
      assert.equal(facts.port?.evidence[0]?.line, 5)
      assert.equal(facts.bindsLocalhost, undefined)
    })

    it('lets a Kestrel endpoint in appsettings (with comments) win over launchSettings, and overrides it from the environment', () => {
      const settings = '{\n  // where Kestrel listens\n  "Kestrel": {\n    "Endpoints": {\n      "Https": { "Url": "https://localhost:5443" },\n      "Http": { "Url": "http://localhost:5100" },\n    }\n  }\n}\n'
      const facts = inspect({'Api.csproj': csproj(), 'appsettings.json': settings, 'Properties/launchSettings.json': '{"profiles": {"p": {"commandName": "Project", "applicationUrl": "http://localhost:5001"}}}'})
      assert.equal(facts.port?.value, 5100)
      assert.deepEqual(facts.port?.evidence[0], {detail: 'Kestrel endpoint http://localhost:5100 in appsettings.json', file: 'appsettings.json', line: 6})
      // Environment variables win over appsettings: the endpoint moves to every interface, so no warning.
      assert.deepEqual(env(facts), {Kestrel__Endpoints__Http__Url: 'http://+:{{port}}'})
      assert.equal(facts.bindsLocalhost, undefined)
    })

    it('reads Urls from appsettings, and overrides them with URLS alone', () => {
      const facts = inspect({'Api.csproj': csproj(), 'appsettings.json': '{"Urls": "http://localhost:5200"}'})
      assert.equal(facts.port?.value, 5200)
      assert.deepEqual(env(facts), {URLS: 'http://+:{{port}}'})
    })

    it('takes addresses fixed in code first, and warns on localhost ones', () => {
      const fixed = inspect({'Api.csproj': csproj(), 'Program.cs': program.replace('app.Run();', 'app.Run("http://localhost:5300");'), 'appsettings.json': '{"Urls": "http://*:5200"}'})
      assert.equal(fixed.port?.value, 5300)
      assert.equal(fixed.bindsLocalhost?.evidence[0]?.line, 4)
      assert.equal(fixed.env, undefined, 'no variable moves an address fixed in code')
      const any = inspect({'Api.csproj': csproj(), 'Program.cs': 'builder.WebHost.ConfigureKestrel(o => o.ListenAnyIP(5400));\n'})
      assert.equal(any.port?.value, 5400)
      assert.equal(any.bindsLocalhost, undefined)
      assert.equal(inspect({'Api.csproj': csproj(), 'Program.cs': 'o.ListenLocalhost(5500);\n'}).bindsLocalhost?.value, true)
    })

    it('sets a PORT the code reads, and takes its default', () => {
      const facts = inspect({'Api.csproj': csproj(), 'Program.cs': 'var port = Environment.GetEnvironmentVariable("PORT") ?? "5600";\napp.Run($"http://0.0.0.0:{port}");\n'})
      assert.equal(facts.port?.value, 5600)
      assert.deepEqual(env(facts), {ASPNETCORE_HTTP_PORTS: '{{port}}', PORT: '{{port}}'})
    })

    it('finds MapHealthChecks first, then a conventional route', () => {
      const facts = inspect({'Api.csproj': csproj(), 'Program.cs': 'app.MapGet("/health", () => "x");\napp.MapHealthChecks("/ready");\n'})
      assert.deepEqual(facts.healthPath, {value: '/ready', evidence: [{detail: 'MapHealthChecks("/ready")', file: 'Program.cs', line: 2}]})
      assert.equal(inspect({'Api.csproj': csproj(), 'Program.cs': 'app.MapGet("/health", () => "x");\n'}).healthPath?.value, '/health')
    })
  })

  describe('helpers', () => {
    it('strips comments and trailing commas but keeps // inside strings', () => {
      const parsed = JSON.parse(stripJsonComments('{\n  /* block\n  comment */ "a": "http://x:1", // line\n  "b": [1, 2,],\n}\n')) as unknown
      assert.deepEqual(parsed, {a: 'http://x:1', b: [1, 2]})
    })

    it('parses URL lists, preferring http', () => {
      assert.deepEqual(parseUrls('https://localhost:7001;http://localhost:5001'), {port: 5001, local: true})
      assert.deepEqual(parseUrls('http://+:80'), {port: 80, local: false})
      assert.deepEqual(parseUrls('http://[::]:8080'), {port: 8080, local: false})
      assert.equal(parseUrls('nonsense'), undefined)
    })
  })

  it('detects C# under a pile of JSON and a project file larger than the code', async () => {
    const rows = Array.from({length: 3000}, (_, i) => `    {"id": ${i}, "name": "item ${i}", "tags": ["a", "b"]}`).join(',\n')
    const items = Array.from({length: 400}, (_, i) => `    <Content Update="wwwroot\\data\\part-${i}.json" CopyToPublishDirectory="PreserveNewest" />`).join('\n')
    const snapshot = memorySnapshot('/work/catalog', {
      'Catalog.csproj': csproj(`  <ItemGroup>\n${items}\n  </ItemGroup>\n`),
      'Program.cs': program,
      'appsettings.json': '{"AllowedHosts": "*"}\n',
      'wwwroot/data/items.json': `[\n${rows}\n]\n`,
      'wwwroot/data/more.json': `[\n${rows}\n]\n`,
    })
    const detection = await detectApp(snapshot, loadPacks({draftHome: '/nonexistent-draft-home'}))
    assert.equal(detection.pack, 'dotnet')
    assert.equal(detection.language, 'C#')
    assert.equal(detection.framework, 'aspnetcore')
    assert.ok(detection.languages.other.some(l => l.language === 'JSON' && l.share > 0.9), 'the JSON is there, and it does not count')
  })
})
