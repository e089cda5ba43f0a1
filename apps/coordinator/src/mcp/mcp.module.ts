import { Module } from '@nestjs/common';

/** MCP over Streamable HTTP (/mcp): its controller is mounted with the `mcp` endpoint group; its tools are libs/mcp's. */
@Module({})
export class McpModule {}
