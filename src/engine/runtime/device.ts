/**
 * Where the model runs: onnxruntime-node's execution providers. `cpu` always works; the others need the
 * hardware, the platform, and for CUDA on Linux binaries that onnxruntime-node's install script downloads
 * only when asked (this project's .npmrc skips the download, so `npm install` stays offline and small).
 * A device that cannot start is a UserError saying what is missing and how to get it, never a crash.
 */
import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../errors';

export type Device = 'cpu' | 'cuda' | 'dml' | 'coreml' | 'webgpu';
export const DEVICES: readonly Device[] = ['cpu', 'cuda', 'dml', 'coreml', 'webgpu'];
export const DEFAULT_DEVICE: Device = 'cpu';

/** Human names, for messages. */
const DEVICE_NAMES: Record<Device, string> = { cpu: 'CPU', cuda: 'CUDA (NVIDIA GPUs)', dml: 'DirectML (Windows GPUs)', coreml: 'CoreML (Apple)', webgpu: 'WebGPU (experimental)' };

/** The platforms each provider exists on in onnxruntime-node 1.30 (its README's support table). */
const PLATFORMS: Record<Exclude<Device, 'cpu'>, string[]> = {
  cuda: ['linux/x64', 'win32/x64'],
  dml: ['win32/x64', 'win32/arm64'],
  coreml: ['darwin/x64', 'darwin/arm64'],
  webgpu: ['linux/x64', 'win32/x64', 'win32/arm64', 'darwin/x64', 'darwin/arm64'],
};

/** Files onnxruntime-node/script/install.js downloads for the `cuda12` manifest (install-metadata.js). */
const CUDA_LIBRARIES: Record<string, string[]> = {
  'linux/x64': ['libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_shared.so'],
};

/** How a user gets the CUDA provider's binaries (onnxruntime-node's script/install.js reads ONNXRUNTIME_NODE_INSTALL). */
export const CUDA_INSTALL_HINT =
  'ptune fetches them when a command is run with --device cuda (the extension: "Prompt Tuning: Download CUDA Provider"); or ' +
  'download them with `ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node` in the folder that holds node_modules; ' +
  'the CUDA 12 runtime and cuDNN 9 must be installed and on the library path';

export function parseDevice(value: string, flag = '--device'): Device {
  const lower = value.toLowerCase();
  if ((DEVICES as readonly string[]).includes(lower)) return lower as Device;
  throw new UserError(`unknown ${flag} "${value}": use one of ${DEVICES.join(', ')}`);
}

/** The execution providers a session on `device` is created with; onnxruntime puts ops the device cannot run on the CPU. */
export function executionProviders(device: Device): string[] {
  return device === 'cpu' ? ['cpu'] : [device, 'cpu'];
}

function ortFolder(): string {
  return path.join(path.dirname(require.resolve('onnxruntime-node/package.json')), 'bin', 'napi-v6', process.platform, process.arch);
}

/**
 * Throws a UserError when `device` cannot work in this process (wrong platform, provider not in this
 * onnxruntime-node build, CUDA binaries not downloaded). Whether the hardware answers is known only when a
 * session starts: see deviceStartError.
 */
export function checkDeviceAvailable(device: Device, opts: { cudaFetchable?: boolean } = {}): void {
  if (device === 'cpu') return;
  const platform = `${process.platform}/${process.arch}`;
  const name = DEVICE_NAMES[device];
  if (!PLATFORMS[device].includes(platform)) {
    throw new UserError(`--device ${device}: ${name} is not available on ${platform} (onnxruntime-node offers it on ${PLATFORMS[device].join(', ')}); use --device cpu`);
  }
  // Loaded here, not at the top: parsing --device must not load the native runtime into the CLI's thread.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const backends = (require('onnxruntime-node') as typeof import('onnxruntime-node')).listSupportedBackends();
  const backend = backends.find((b) => b.name === device);
  if (!backend) {
    throw new UserError(`--device ${device}: this onnxruntime-node build has no ${name} execution provider (it has ${backends.map((b) => b.name).join(', ')}); use --device cpu`);
  }
  if (device === 'cuda' && !backend.bundled) {
    const folder = ortFolder();
    const missing = (CUDA_LIBRARIES[platform] ?? []).filter((file) => !fs.existsSync(path.join(folder, file)));
    // A caller that fetches the provider on demand (hub/cuda-provider.ts) checks again afterwards.
    if (missing.length > 0 && !opts.cudaFetchable) {
      throw new UserError(`--device cuda: onnxruntime-node's CUDA execution provider is not installed (${missing.join(', ')} missing from ${folder}; npm install skips that download); ${CUDA_INSTALL_HINT}`);
    }
  }
}

/** The UserError for a session that failed to start on `device` (the provider's own words included). */
export function deviceStartError(device: Device, error: unknown): UserError {
  const message = (error instanceof Error ? error.message : String(error)).trim().split('\n')[0];
  const hint =
    device === 'cuda'
      ? `check that an NVIDIA driver, the CUDA 12 runtime and cuDNN 9 are installed and on the library path (${CUDA_INSTALL_HINT})`
      : device === 'webgpu'
        ? 'WebGPU needs a GPU adapter (Vulkan on Linux, D3D12 on Windows, Metal on macOS)'
        : `check that the machine has a GPU ${DEVICE_NAMES[device]} can use`;
  return new UserError(`--device ${device}: the ${DEVICE_NAMES[device]} execution provider could not start: ${message}; ${hint}; or use --device cpu`);
}
