/**
 * A real node-opcua server for the connector tests: one object per machine with writable State,
 * Good and Scrap variables (our own node ids, `ns=1;s=<machine>.<field>`), on a given port, with
 * its PKI in a folder the caller keeps (certificates are made once and reused by restarts).
 */
import { createServer } from 'node:net';
import { DataType, MessageSecurityMode, OPCUACertificateManager, OPCUAServer, SecurityPolicy, Variant, type UAVariable } from 'node-opcua';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface VariableSpec {
  nodeId: string;
  dataType: DataType;
  value: unknown;
}

export interface TestOpcServer {
  port: number;
  endpoint: string;
  set(nodeId: string, value: unknown, dataType?: DataType): void;
  shutdown(): Promise<void>;
}

export async function startOpcServer(opts: { port: number; pkiDir: string; variables: VariableSpec[]; secure?: boolean }): Promise<TestOpcServer> {
  const serverCertificateManager = new OPCUACertificateManager({ rootFolder: `${opts.pkiDir}/server`, automaticallyAcceptUnknownCertificate: true });
  const server = new OPCUAServer({
    port: opts.port,
    hostname: '127.0.0.1',
    serverCertificateManager,
    resourcePath: '/UA/TaktTest',
    securityModes: opts.secure ? [MessageSecurityMode.SignAndEncrypt] : [MessageSecurityMode.None],
    securityPolicies: opts.secure ? [SecurityPolicy.Basic256Sha256] : [SecurityPolicy.None],
    allowAnonymous: true,
  });
  await server.initialize();
  const ns = server.engine.addressSpace!.getOwnNamespace();
  const vars = new Map<string, { v: UAVariable; dataType: DataType }>();
  const objects = new Map<string, ReturnType<typeof ns.addObject>>();
  for (const spec of opts.variables) {
    const [obj, field] = spec.nodeId.split('.') as [string, string];
    let o = objects.get(obj);
    if (!o) objects.set(obj, (o = ns.addObject({ organizedBy: server.engine.addressSpace!.rootFolder.objects, browseName: obj })));
    const v = ns.addVariable({ componentOf: o, nodeId: `s=${spec.nodeId}`, browseName: field, dataType: DataType[spec.dataType], minimumSamplingInterval: 50, accessLevel: 'CurrentRead | CurrentWrite' });
    v.setValueFromSource(new Variant({ dataType: spec.dataType, value: spec.value }));
    vars.set(spec.nodeId, { v, dataType: spec.dataType });
  }
  await server.start();
  return {
    port: opts.port,
    endpoint: `opc.tcp://127.0.0.1:${opts.port}/UA/TaktTest`,
    set(nodeId, value, dataType) {
      const e = vars.get(nodeId);
      if (!e) throw new Error(`no variable ${nodeId}`);
      // A variable's DataType is fixed; a test that sends a wrong type writes a Variant of another type anyway.
      e.v.setValueFromSource(new Variant({ dataType: dataType ?? e.dataType, value }));
    },
    async shutdown() {
      await server.shutdown(0);
    },
  };
}
