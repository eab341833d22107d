/* DXGI Desktop Duplication backend: setup, frame loop, staging copy and pointer. */
#define COBJMACROS
#include "dxgi_capture.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>

#include <d3d11.h>
#include <dxgi1_2.h>
#include <dxgi1_5.h>

#include "dxgi_damage.h"
#include "lg/log.h"

_Static_assert(sizeof(RECT) == sizeof(struct lg_dxgi_rect), "RECT layout");
_Static_assert(offsetof(RECT, bottom) == offsetof(struct lg_dxgi_rect, bottom), "RECT.bottom");
_Static_assert(sizeof(DXGI_OUTDUPL_MOVE_RECT) == sizeof(struct lg_dxgi_move), "MOVE_RECT layout");
_Static_assert(offsetof(DXGI_OUTDUPL_MOVE_RECT, DestinationRect) ==
                   offsetof(struct lg_dxgi_move, dst),
               "MOVE_RECT.DestinationRect");

/* AcquireNextFrame cannot be cancelled: never wait longer than this per call. */
#define ACQUIRE_MAX_MS 1000u
/* Most dirty + move metadata read per frame; more means full damage. */
#define META_MAX_BYTES (64u * 1024u)
/* Largest pointer shape accepted (MONOCHROME 512 x 1024 at 1 bpp fits many times over). */
#define POINTER_MAX_BYTES (512u * 512u * 4u)

struct dxgi_capture {
  struct lg_capture base;
  uint32_t output_index;

  IDXGIFactory1 *factory;
  IDXGIAdapter1 *adapter;
  IDXGIOutput1 *output;
  ID3D11Device *device;
  ID3D11DeviceContext *ctx;
  IDXGIOutputDuplication *dup;
  bool frame_held; /* AcquireNextFrame succeeded and ReleaseFrame is still due */

  ID3D11Texture2D *staging; /* always holds the last frame returned */
  uint32_t width, height, format, dxgi_format, format_serial;
  DXGI_MODE_ROTATION rotation;
  uint8_t *meta; /* META_MAX_BYTES for dirty and move rects */

  struct lg_capture_cursor cur; /* last pointer state; *_changed: pending for cursor() */
  bool have_pointer;            /* cur.x/y/visible hold a reported state */
  uint8_t *shape;
  uint32_t shape_size;
};

static void release_unknown(IUnknown **p)
{
  if (*p) {
    IUnknown_Release(*p);
    *p = NULL;
  }
}

#define SAFE_RELEASE(p) release_unknown((IUnknown **)&(p))

uint32_t lg_dxgi_frame_type(uint32_t f)
{
  switch (f) {
  case DXGI_FORMAT_B8G8R8A8_UNORM:
    return FRAME_TYPE_BGRA;
  case DXGI_FORMAT_R8G8B8A8_UNORM:
    return FRAME_TYPE_RGBA;
  case DXGI_FORMAT_R10G10B10A2_UNORM:
    return FRAME_TYPE_RGBA10;
  case DXGI_FORMAT_R16G16B16A16_FLOAT:
    return FRAME_TYPE_RGBA16F;
  default:
    return FRAME_TYPE_INVALID;
  }
}

static uint32_t bytes_per_texel(uint32_t type) { return type == FRAME_TYPE_RGBA16F ? 8u : 4u; }

static uint32_t frame_rotation(DXGI_MODE_ROTATION r)
{
  switch (r) {
  case DXGI_MODE_ROTATION_ROTATE90:
    return FRAME_ROT_90;
  case DXGI_MODE_ROTATION_ROTATE180:
    return FRAME_ROT_180;
  case DXGI_MODE_ROTATION_ROTATE270:
    return FRAME_ROT_270;
  default:
    return FRAME_ROT_0;
  }
}

/* Finds the output_index-th desktop-attached output; false (logged) if there is none. */
static bool find_output(struct dxgi_capture *d)
{
  uint32_t seen = 0;
  IDXGIAdapter1 *adapter = NULL;
  for (UINT a = 0; IDXGIFactory1_EnumAdapters1(d->factory, a, &adapter) == S_OK; ++a) {
    IDXGIOutput *out = NULL;
    for (UINT o = 0; IDXGIAdapter1_EnumOutputs(adapter, o, &out) == S_OK; ++o) {
      DXGI_OUTPUT_DESC desc;
      if (SUCCEEDED(IDXGIOutput_GetDesc(out, &desc)) && desc.AttachedToDesktop &&
          seen++ == d->output_index &&
          SUCCEEDED(IDXGIOutput_QueryInterface(out, &IID_IDXGIOutput1, (void **)&d->output))) {
        d->rotation = desc.Rotation;
        IDXGIOutput_Release(out);
        d->adapter = adapter;
        return true;
      }
      IDXGIOutput_Release(out);
    }
    IDXGIAdapter1_Release(adapter);
  }
  LG_ERROR("dxgi: no desktop output %" PRIu32 " (%" PRIu32 " attached)", d->output_index, seen);
  return false;
}

/* Creates the duplication: DuplicateOutput1 with our formats, else DuplicateOutput (BGRA). */
static HRESULT duplicate(struct dxgi_capture *d)
{
  static const DXGI_FORMAT formats[] = {DXGI_FORMAT_B8G8R8A8_UNORM, DXGI_FORMAT_R8G8B8A8_UNORM,
                                        DXGI_FORMAT_R16G16B16A16_FLOAT};
  IDXGIOutput5 *out5 = NULL;
  HRESULT hr = E_NOINTERFACE;
  if (SUCCEEDED(IDXGIOutput1_QueryInterface(d->output, &IID_IDXGIOutput5, (void **)&out5))) {
    hr = IDXGIOutput5_DuplicateOutput1(out5, (IUnknown *)d->device, 0,
                                       sizeof(formats) / sizeof(formats[0]), formats, &d->dup);
    IDXGIOutput5_Release(out5);
  }
  if (FAILED(hr))
    hr = IDXGIOutput1_DuplicateOutput(d->output, (IUnknown *)d->device, &d->dup);
  return hr;
}

static void dxgi_stop(struct lg_capture *cap)
{
  struct dxgi_capture *d = container_of(cap, struct dxgi_capture, base);
  if (d->dup && d->frame_held)
    IDXGIOutputDuplication_ReleaseFrame(d->dup);
  d->frame_held = false;
  SAFE_RELEASE(d->staging);
  SAFE_RELEASE(d->dup);
  SAFE_RELEASE(d->ctx);
  SAFE_RELEASE(d->device);
  SAFE_RELEASE(d->output);
  SAFE_RELEASE(d->adapter);
  SAFE_RELEASE(d->factory);
  d->width = d->height = 0;
}

static bool dxgi_start(struct lg_capture *cap)
{
  struct dxgi_capture *d = container_of(cap, struct dxgi_capture, base);
  /* Follow the input desktop (secure desktop, UAC) when running as SYSTEM. */
  HDESK desk = OpenInputDesktop(0, FALSE, GENERIC_READ);
  if (desk) {
    if (!SetThreadDesktop(desk))
      LG_WARN("dxgi: cannot switch to the input desktop (Win32 error %lu); the secure desktop "
              "will not be captured",
              (unsigned long)GetLastError());
    CloseDesktop(desk);
  }
  HRESULT hr = CreateDXGIFactory1(&IID_IDXGIFactory1, (void **)&d->factory);
  if (FAILED(hr)) {
    LG_ERROR("dxgi: CreateDXGIFactory1 failed: 0x%08lx", (unsigned long)hr);
    return false;
  }
  if (!find_output(d))
    goto fail;
  static const D3D_FEATURE_LEVEL levels[] = {D3D_FEATURE_LEVEL_11_1, D3D_FEATURE_LEVEL_11_0,
                                             D3D_FEATURE_LEVEL_10_1, D3D_FEATURE_LEVEL_10_0};
  D3D_FEATURE_LEVEL got;
  hr = D3D11CreateDevice(
      (IDXGIAdapter *)d->adapter, D3D_DRIVER_TYPE_UNKNOWN, NULL, D3D11_CREATE_DEVICE_BGRA_SUPPORT,
      levels, sizeof(levels) / sizeof(levels[0]), D3D11_SDK_VERSION, &d->device, &got, &d->ctx);
  if (FAILED(hr)) {
    LG_ERROR("dxgi: D3D11CreateDevice failed: 0x%08lx", (unsigned long)hr);
    goto fail;
  }
  hr = duplicate(d);
  if (FAILED(hr)) {
    LG_ERROR("dxgi: cannot duplicate the output: 0x%08lx%s", (unsigned long)hr,
             hr == E_ACCESSDENIED ? " (secure desktop or not SYSTEM; retrying later)"
             : hr == DXGI_ERROR_NOT_CURRENTLY_AVAILABLE ? " (too many duplicators)"
             : hr == E_NOTIMPL                          ? " (not implemented: wine?)"
                                                        : "");
    goto fail;
  }
  return true;
fail:
  dxgi_stop(cap);
  return false;
}

/* Takes the pointer position and shape from the frame info into d->cur. */
static void take_pointer(struct dxgi_capture *d, const DXGI_OUTDUPL_FRAME_INFO *info)
{
  if (info->LastMouseUpdateTime.QuadPart == 0)
    return;
  const DXGI_OUTDUPL_POINTER_POSITION *p = &info->PointerPosition;
  bool visible = p->Visible;
  if (!d->have_pointer || d->cur.visible != visible) {
    d->cur.visible_changed = true;
    d->cur.visible = visible;
  }
  if (!d->have_pointer || d->cur.x != p->Position.x || d->cur.y != p->Position.y) {
    d->cur.position_changed = true;
    d->cur.x = p->Position.x; /* the shape's top-left, not the hotspot */
    d->cur.y = p->Position.y;
  }
  d->have_pointer = true;
  if (info->PointerShapeBufferSize == 0 || info->PointerShapeBufferSize > POINTER_MAX_BYTES)
    return;
  if (d->shape_size < info->PointerShapeBufferSize) {
    uint8_t *s = realloc(d->shape, info->PointerShapeBufferSize);
    if (!s)
      return;
    d->shape = s;
    d->shape_size = info->PointerShapeBufferSize;
  }
  UINT need = 0;
  DXGI_OUTDUPL_POINTER_SHAPE_INFO si;
  if (FAILED(
          IDXGIOutputDuplication_GetFramePointerShape(d->dup, d->shape_size, d->shape, &need, &si)))
    return;
  uint32_t type = si.Type == DXGI_OUTDUPL_POINTER_SHAPE_TYPE_MONOCHROME ? CURSOR_TYPE_MONOCHROME
                  : si.Type == DXGI_OUTDUPL_POINTER_SHAPE_TYPE_MASKED_COLOR
                      ? CURSOR_TYPE_MASKED_COLOR
                      : CURSOR_TYPE_COLOR;
  if ((uint64_t)si.Pitch * si.Height > d->shape_size)
    return;
  d->cur.shape_changed = true;
  d->cur.type = type;
  d->cur.width = si.Width;
  d->cur.height = si.Height;
  d->cur.pitch = si.Pitch;
  d->cur.hx = (int32_t)si.HotSpot.x;
  d->cur.hy = (int32_t)si.HotSpot.y;
  d->cur.shape = d->shape;
}

/* Reads the frame's move and dirty rects into `dmg`; full damage if they do not fit. */
static void read_damage(struct dxgi_capture *d, const DXGI_OUTDUPL_FRAME_INFO *info,
                        struct lg_dxgi_damage *dmg)
{
  dmg->full = true;
  dmg->count = 0;
  if (info->TotalMetadataBufferSize == 0 || info->TotalMetadataBufferSize > META_MAX_BYTES)
    return;
  UINT move_bytes = 0, dirty_bytes = 0;
  if (FAILED(IDXGIOutputDuplication_GetFrameMoveRects(
          d->dup, META_MAX_BYTES, (DXGI_OUTDUPL_MOVE_RECT *)d->meta, &move_bytes)))
    return;
  uint8_t *dirty = d->meta + move_bytes;
  if (FAILED(IDXGIOutputDuplication_GetFrameDirtyRects(d->dup, META_MAX_BYTES - move_bytes,
                                                       (RECT *)dirty, &dirty_bytes)))
    return;
  lg_dxgi_damage_build((const struct lg_dxgi_rect *)dirty, dirty_bytes / sizeof(RECT),
                       (const struct lg_dxgi_move *)d->meta,
                       move_bytes / sizeof(DXGI_OUTDUPL_MOVE_RECT), d->width, d->height, dmg);
}

/* (Re)creates the staging texture for `desc`; false (logged) on failure. */
static bool make_staging(struct dxgi_capture *d, const D3D11_TEXTURE2D_DESC *src)
{
  SAFE_RELEASE(d->staging);
  D3D11_TEXTURE2D_DESC desc = {.Width = src->Width,
                               .Height = src->Height,
                               .MipLevels = 1,
                               .ArraySize = 1,
                               .Format = src->Format,
                               .SampleDesc = {.Count = 1},
                               .Usage = D3D11_USAGE_STAGING,
                               .CPUAccessFlags = D3D11_CPU_ACCESS_READ};
  HRESULT hr = ID3D11Device_CreateTexture2D(d->device, &desc, NULL, &d->staging);
  if (FAILED(hr)) {
    LG_ERROR("dxgi: cannot create a %ux%u staging texture: 0x%08lx", desc.Width, desc.Height,
             (unsigned long)hr);
    return false;
  }
  return true;
}

static enum lg_capture_result dxgi_capture(struct lg_capture *cap, uint32_t timeout_ms,
                                           struct lg_capture_frame *out)
{
  struct dxgi_capture *d = container_of(cap, struct dxgi_capture, base);
  if (!d->dup)
    return LG_CAPTURE_REINIT;
  /* Release as late as possible: while a frame is held the OS only accumulates damage. */
  if (d->frame_held) {
    IDXGIOutputDuplication_ReleaseFrame(d->dup);
    d->frame_held = false;
  }
  DXGI_OUTDUPL_FRAME_INFO info;
  IDXGIResource *res = NULL;
  HRESULT hr = IDXGIOutputDuplication_AcquireNextFrame(
      d->dup, timeout_ms < ACQUIRE_MAX_MS ? timeout_ms : ACQUIRE_MAX_MS, &info, &res);
  if (hr == DXGI_ERROR_WAIT_TIMEOUT)
    return LG_CAPTURE_TIMEOUT;
  if (hr == DXGI_ERROR_ACCESS_LOST)
    return LG_CAPTURE_REINIT;
  if (FAILED(hr)) {
    LG_ERROR("dxgi: AcquireNextFrame failed: 0x%08lx", (unsigned long)hr);
    return LG_CAPTURE_ERROR;
  }
  d->frame_held = true;
  take_pointer(d, &info);
  if (info.LastPresentTime.QuadPart == 0) { /* only the pointer changed */
    IDXGIResource_Release(res);
    return LG_CAPTURE_TIMEOUT;
  }

  ID3D11Texture2D *tex = NULL;
  hr = IDXGIResource_QueryInterface(res, &IID_ID3D11Texture2D, (void **)&tex);
  IDXGIResource_Release(res);
  if (FAILED(hr)) {
    LG_ERROR("dxgi: the desktop image is not a texture: 0x%08lx", (unsigned long)hr);
    return LG_CAPTURE_ERROR;
  }
  D3D11_TEXTURE2D_DESC desc;
  ID3D11Texture2D_GetDesc(tex, &desc);
  uint32_t type = lg_dxgi_frame_type(desc.Format);
  if (type == FRAME_TYPE_INVALID) {
    LG_ERROR("dxgi: unsupported desktop format %u", (unsigned)desc.Format);
    ID3D11Texture2D_Release(tex);
    return LG_CAPTURE_ERROR;
  }
  bool changed = !d->staging || desc.Width != d->width || desc.Height != d->height ||
                 desc.Format != d->dxgi_format;
  if (changed) {
    if (!make_staging(d, &desc)) {
      ID3D11Texture2D_Release(tex);
      return LG_CAPTURE_ERROR;
    }
    d->width = desc.Width;
    d->height = desc.Height;
    d->dxgi_format = desc.Format;
    d->format = type;
    ++d->format_serial;
  }

  struct lg_dxgi_damage dmg;
  if (changed)
    dmg = (struct lg_dxgi_damage){.full = true};
  else
    read_damage(d, &info, &dmg);
  if (dmg.full) {
    ID3D11DeviceContext_CopyResource(d->ctx, (ID3D11Resource *)d->staging, (ID3D11Resource *)tex);
  } else {
    for (uint32_t i = 0; i < dmg.count; ++i) {
      const struct frame_damage_rect *r = &dmg.rects[i];
      D3D11_BOX box = {r->x, r->y, 0, r->x + r->width, r->y + r->height, 1};
      ID3D11DeviceContext_CopySubresourceRegion(d->ctx, (ID3D11Resource *)d->staging, 0, r->x, r->y,
                                                0, (ID3D11Resource *)tex, 0, &box);
    }
  }
  ID3D11DeviceContext_Flush(d->ctx);
  ID3D11Texture2D_Release(tex);

  memset(out, 0, sizeof(*out));
  out->format = d->format;
  out->format_serial = d->format_serial;
  out->width = out->screen_width = d->width;
  out->height = out->screen_height = d->height;
  out->pitch = d->width * bytes_per_texel(d->format);
  out->stride = d->width;
  out->rotation = frame_rotation(d->rotation);
  out->hdr = d->format == FRAME_TYPE_RGBA16F;
  out->full_damage = dmg.full;
  out->damage_count = dmg.full ? 0 : dmg.count;
  if (!dmg.full)
    memcpy(out->damage, dmg.rects, sizeof(dmg.rects[0]) * dmg.count);
  return LG_CAPTURE_OK;
}

static bool dxgi_write_frame(struct lg_capture *cap, const struct lg_capture_frame *frame,
                             const struct lg_capture_dest *dst)
{
  struct dxgi_capture *d = container_of(cap, struct dxgi_capture, base);
  if (!d->staging)
    return false;
  D3D11_MAPPED_SUBRESOURCE m;
  HRESULT hr;
  /* The copy was queued on the GPU; wait for it without blocking inside the driver. */
  for (int tries = 0;; ++tries) {
    hr = ID3D11DeviceContext_Map(d->ctx, (ID3D11Resource *)d->staging, 0, D3D11_MAP_READ,
                                 D3D11_MAP_FLAG_DO_NOT_WAIT, &m);
    if (hr != DXGI_ERROR_WAS_STILL_DRAWING || tries >= 1000)
      break;
    Sleep(0);
  }
  if (FAILED(hr)) {
    LG_ERROR_RL("dxgi: cannot map the staging texture: 0x%08lx", (unsigned long)hr);
    return false;
  }
  bool ok = lg_capture_copy_cpu(frame, m.pData, m.RowPitch, dst);
  ID3D11DeviceContext_Unmap(d->ctx, (ID3D11Resource *)d->staging, 0);
  return ok;
}

static bool dxgi_cursor(struct lg_capture *cap, struct lg_capture_cursor *out)
{
  struct dxgi_capture *d = container_of(cap, struct dxgi_capture, base);
  *out = d->cur;
  bool any = d->cur.position_changed || d->cur.visible_changed || d->cur.shape_changed;
  d->cur.position_changed = d->cur.visible_changed = d->cur.shape_changed = false;
  return any;
}

static void dxgi_destroy(struct lg_capture *cap)
{
  struct dxgi_capture *d = container_of(cap, struct dxgi_capture, base);
  dxgi_stop(cap);
  free(d->meta);
  free(d->shape);
  free(d);
}

static const struct lg_capture_impl dxgi_impl = {
    .start = dxgi_start,
    .stop = dxgi_stop,
    .capture = dxgi_capture,
    .write_frame = dxgi_write_frame,
    .cursor = dxgi_cursor,
    .set_cursor_pos = NULL,
    .destroy = dxgi_destroy,
};

static const struct lg_capture_option_desc dxgi_options[] = {
    {"output", "Index of the desktop output to capture, among those attached", "0"},
    {NULL, NULL, NULL},
};

/* True if DXGI lists at least one adapter (wine without a display fails here). */
static bool dxgi_probe(void)
{
  IDXGIFactory1 *f = NULL;
  if (FAILED(CreateDXGIFactory1(&IID_IDXGIFactory1, (void **)&f)))
    return false;
  IDXGIAdapter1 *a = NULL;
  bool ok = IDXGIFactory1_EnumAdapters1(f, 0, &a) == S_OK;
  if (a)
    IDXGIAdapter1_Release(a);
  IDXGIFactory1_Release(f);
  return ok;
}

static struct lg_capture *dxgi_create(const struct lg_capture_options *opts)
{
  uint32_t output;
  if (!lg_capture_opt_uint(&lg_capture_dxgi, opts, "output", 0, 15, &output))
    return NULL;
  struct dxgi_capture *d = calloc(1, sizeof(*d));
  if (!d || !(d->meta = malloc(META_MAX_BYTES))) {
    free(d);
    LG_ERROR("dxgi: out of memory");
    return NULL;
  }
  d->base.impl = &dxgi_impl;
  d->base.backend = &lg_capture_dxgi;
  d->output_index = output;
  return &d->base;
}

const struct lg_capture_backend lg_capture_dxgi = {
    .name = "dxgi",
    .description = "DXGI Desktop Duplication (Windows 8 and later)",
    .options = dxgi_options,
    .probe = dxgi_probe,
    .create = dxgi_create,
};
