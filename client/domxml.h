#pragma once
/* placeholder: being written (domain XML -> vCPU configuration, record metadata) */
