// The Hono baseline of `just bench`: the same liveness JSON as the Rust core worker's `/health/live`.
import { Hono } from 'hono'

const app = new Hono()
app.get('/health/live', (c) => c.json({ service: 'core', status: 'ok', version: '0.1.0' }))
app.notFound((c) => c.json({ error: 'not_found', message: `no route for ${c.req.method} ${c.req.path}` }, 404))

export default app
